// RBAC policy rules as rbac.authorization.k8s.io/v1 stores them, read from stored objects, and how one rule
// matches a request (kube's rbac/v1 helpers: VerbMatches, APIGroupMatches, ResourceMatches, …).

import type { JsonValue } from "../util/json.js";
import type { AuthzAttributes } from "./attributes.js";

/** One rule of a Role or ClusterRole. */
export interface PolicyRule {
  verbs: string[];
  apiGroups: string[];
  resources: string[];
  resourceNames: string[];
  nonResourceURLs: string[];
}

function strings(v: JsonValue | undefined): string[] {
  return Array.isArray(v) ? v.filter((s): s is string => typeof s === "string") : [];
}

/** Reads `rules` of a stored Role/ClusterRole (missing lists are empty). */
export function rulesOf(obj: { [k: string]: JsonValue | undefined }): PolicyRule[] {
  const raw = obj["rules"];
  if (!Array.isArray(raw)) return [];
  const out: PolicyRule[] = [];
  for (const r of raw) {
    if (r === null || typeof r !== "object" || Array.isArray(r)) continue;
    out.push({
      verbs: strings(r["verbs"]),
      apiGroups: strings(r["apiGroups"]),
      resources: strings(r["resources"]),
      resourceNames: strings(r["resourceNames"]),
      nonResourceURLs: strings(r["nonResourceURLs"]),
    });
  }
  return out;
}

/** A rule as stored JSON (empty lists left out, as the Go types' omitempty does). */
export function ruleToJson(r: PolicyRule): { [k: string]: string[] } {
  const out: { [k: string]: string[] } = { verbs: r.verbs };
  if (r.apiGroups.length > 0) out["apiGroups"] = r.apiGroups;
  if (r.resources.length > 0) out["resources"] = r.resources;
  if (r.resourceNames.length > 0) out["resourceNames"] = r.resourceNames;
  if (r.nonResourceURLs.length > 0) out["nonResourceURLs"] = r.nonResourceURLs;
  return out;
}

function verbMatches(rule: PolicyRule, verb: string): boolean {
  return rule.verbs.includes("*") || rule.verbs.includes(verb);
}

function apiGroupMatches(rule: PolicyRule, group: string): boolean {
  return rule.apiGroups.includes("*") || rule.apiGroups.includes(group);
}

function resourceMatches(rule: PolicyRule, combined: string, subresource: string): boolean {
  for (const r of rule.resources) {
    if (r === "*" || r === combined) return true;
    if (subresource !== "" && r === `*/${subresource}`) return true;
  }
  return false;
}

function resourceNameMatches(rule: PolicyRule, name: string): boolean {
  return rule.resourceNames.length === 0 || rule.resourceNames.includes(name);
}

function nonResourceUrlMatches(rule: PolicyRule, path: string): boolean {
  for (const u of rule.nonResourceURLs) {
    if (u === "*" || u === path) return true;
    if (u.endsWith("*") && path.startsWith(u.slice(0, -1))) return true;
  }
  return false;
}

/** Tells whether one rule allows a request (resource or non-resource). */
export function ruleAllows(rule: PolicyRule, a: AuthzAttributes): boolean {
  if (!verbMatches(rule, a.verb)) return false;
  if (!a.resourceRequest) return nonResourceUrlMatches(rule, a.path);
  const combined = a.subresource === "" ? a.resource : `${a.resource}/${a.subresource}`;
  return (
    apiGroupMatches(rule, a.group) &&
    resourceMatches(rule, combined, a.subresource) &&
    resourceNameMatches(rule, a.name)
  );
}

function quoted(list: string[]): string {
  return `[${list.map((s) => JSON.stringify(s)).join(" ")}]`;
}

/** Go's rbac CompactString: `{APIGroups:["apps"], Resources:["deployments"], Verbs:["get"]}`. */
export function compactRuleString(r: PolicyRule): string {
  const parts: string[] = [];
  if (r.apiGroups.length > 0) parts.push(`APIGroups:${quoted(r.apiGroups)}`);
  if (r.resources.length > 0) parts.push(`Resources:${quoted(r.resources)}`);
  if (r.nonResourceURLs.length > 0) parts.push(`NonResourceURLs:${quoted(r.nonResourceURLs)}`);
  if (r.resourceNames.length > 0) parts.push(`ResourceNames:${quoted(r.resourceNames)}`);
  if (r.verbs.length > 0) parts.push(`Verbs:${quoted(r.verbs)}`);
  return `{${parts.join(", ")}}`;
}
