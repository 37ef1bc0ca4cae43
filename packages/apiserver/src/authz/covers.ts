// Whether one set of rules covers another (kube's rbac validation Covers/BreakdownRule/CompactRules), for
// escalation prevention.

import type { PolicyRule } from "./policy-rule.js";

function has(list: string[], v: string): boolean {
  return list.includes("*") || list.includes(v);
}

function resourceCovered(owner: PolicyRule, resource: string): boolean {
  if (has(owner.resources, resource)) return true;
  const slash = resource.indexOf("/");
  return slash >= 0 && owner.resources.includes(`*${resource.slice(slash)}`);
}

function urlCovered(owner: PolicyRule, url: string): boolean {
  return owner.nonResourceURLs.some(
    (u) => u === "*" || u === url || (u.endsWith("*") && url.startsWith(u.slice(0, -1))),
  );
}

/** One servant rule broken into single group/resource/verb(/name) or url/verb rules. */
function breakdown(rule: PolicyRule): PolicyRule[] {
  const out: PolicyRule[] = [];
  for (const group of rule.apiGroups) {
    for (const resource of rule.resources) {
      for (const verb of rule.verbs) {
        if (rule.resourceNames.length === 0) {
          out.push({
            apiGroups: [group],
            resources: [resource],
            verbs: [verb],
            resourceNames: [],
            nonResourceURLs: [],
          });
        }
        for (const name of rule.resourceNames) {
          out.push({
            apiGroups: [group],
            resources: [resource],
            verbs: [verb],
            resourceNames: [name],
            nonResourceURLs: [],
          });
        }
      }
    }
  }
  for (const url of rule.nonResourceURLs) {
    for (const verb of rule.verbs) {
      out.push({ apiGroups: [], resources: [], verbs: [verb], resourceNames: [], nonResourceURLs: [url] });
    }
  }
  return out;
}

function covers(owner: PolicyRule, r: PolicyRule): boolean {
  if (!r.verbs.every((v) => has(owner.verbs, v))) return false;
  if (r.nonResourceURLs.length > 0) return r.nonResourceURLs.every((u) => urlCovered(owner, u));
  if (!r.apiGroups.every((g) => has(owner.apiGroups, g))) return false;
  if (!r.resources.every((res) => resourceCovered(owner, res))) return false;
  if (owner.resourceNames.length === 0) return true;
  return r.resourceNames.length > 0 && r.resourceNames.every((n) => owner.resourceNames.includes(n));
}

/** The parts of `servant` that no owner rule covers (empty when the owner holds everything). */
export function uncoveredRules(owner: PolicyRule[], servant: PolicyRule[]): PolicyRule[] {
  const missing: PolicyRule[] = [];
  for (const rule of servant) {
    for (const part of breakdown(rule)) if (!owner.some((o) => covers(o, part))) missing.push(part);
  }
  return missing;
}

/** Merges single-group, single-resource rules that differ only in their verbs (kube's CompactRules). */
export function compactRules(rules: PolicyRule[]): PolicyRule[] {
  const out: PolicyRule[] = [];
  const byKey = new Map<string, PolicyRule>();
  for (const r of rules) {
    if (r.apiGroups.length === 1 && r.resources.length === 1 && r.nonResourceURLs.length === 0) {
      const key = JSON.stringify([r.apiGroups[0], r.resources[0], r.resourceNames]);
      const existing = byKey.get(key);
      if (existing) {
        for (const v of r.verbs) if (!existing.verbs.includes(v)) existing.verbs.push(v);
        continue;
      }
      const copy = { ...r, verbs: [...r.verbs] };
      byKey.set(key, copy);
      out.push(copy);
      continue;
    }
    out.push(r);
  }
  return out;
}
