import { isDeepStrictEqual } from "node:util";
import { parseApiVersion, type UnstructuredObject } from "../kube/object-ref.js";
import type { ManagedFieldsEntry } from "./field-cleanup.js";
import { getPointer, parsePointer, removePointer, setPointer } from "./json-pointer.js";
import { type LabelSelector, parseLabelSelector } from "./label-selector.js";

/** Which objects a drift-ignore rule applies to; every set field must match (regexes are anchored). */
export interface IgnoreSelector {
  group?: string;
  version?: string;
  kind?: string;
  name?: string;
  namespace?: string;
  labelSelector?: string;
  annotationSelector?: string;
}

/** Fields (JSON pointers) whose differences from the cluster are neither drift nor reverted (Kustomization `spec.ignore`). */
export interface IgnoreRule {
  paths: string[];
  /** Without a selector the rule applies to every object. */
  selector?: IgnoreSelector;
}

/** A validated {@link IgnoreRule}. */
export interface CompiledIgnoreRule {
  paths: string[][];
  matches(obj: UnstructuredObject): boolean;
}

function anchored(pattern: string | undefined, what: string): RegExp | undefined {
  if (!pattern) return undefined;
  try {
    return new RegExp(`^(?:${pattern})$`);
  } catch (err: unknown) {
    throw new SyntaxError(`invalid ${what} regex '${pattern}': ${err instanceof Error ? err.message : String(err)}`);
  }
}

/** Validates rules up front: bad pointers, regexes or selectors throw a SyntaxError naming them. */
export function compileIgnoreRules(rules: readonly IgnoreRule[]): CompiledIgnoreRule[] {
  return rules.map((rule) => {
    const paths = rule.paths.map(parsePointer);
    const s = rule.selector;
    const group = anchored(s?.group, "group");
    const version = anchored(s?.version, "version");
    const kind = anchored(s?.kind, "kind");
    const name = anchored(s?.name, "name");
    const namespace = anchored(s?.namespace, "namespace");
    const labels: LabelSelector | undefined = s?.labelSelector ? parseLabelSelector(s.labelSelector) : undefined;
    const annotations: LabelSelector | undefined = s?.annotationSelector
      ? parseLabelSelector(s.annotationSelector)
      : undefined;
    return {
      paths,
      matches(obj) {
        const gv = parseApiVersion(obj.apiVersion);
        return (
          (!group || group.test(gv.group)) &&
          (!version || version.test(gv.version)) &&
          (!kind || kind.test(obj.kind)) &&
          (!name || name.test(obj.metadata.name ?? "")) &&
          (!namespace || namespace.test(obj.metadata.namespace ?? "")) &&
          (!labels || labels.matches(obj.metadata.labels)) &&
          (!annotations || annotations.matches(obj.metadata.annotations))
        );
      },
    };
  });
}

/** The ignored paths of the rules matching `obj`. */
export function ignoredPaths(rules: readonly CompiledIgnoreRule[], obj: UnstructuredObject): string[][] {
  return rules.filter((r) => r.matches(obj)).flatMap((r) => r.paths);
}

/** A copy of `obj` without the given paths. */
export function withoutPaths(obj: UnstructuredObject, paths: readonly string[][]): UnstructuredObject {
  const copy = structuredClone(obj);
  for (const path of paths) removePointer(copy, path);
  return copy;
}

/** How the applied object is adjusted at one ignored path that differs from the cluster. */
export interface DriftAdjustment {
  path: string[];
  /** `strip`: another applier owns the field, leave it out; `adopt`: send the live value so apply keeps it. */
  action: "strip" | "adopt";
  /** The live value for `adopt`; absent when the live object has no such field. */
  value?: unknown;
  found: boolean;
}

/**
 * For each ignored path where the live object and the dry-run result differ, decides how to apply without
 * reverting the live value: leave the field out when another server-side-apply manager owns it, else send
 * the live value (or leave it out when there is none), as Flux's `computeDriftedPaths` does.
 */
export function driftAdjustments(
  live: UnstructuredObject,
  dryRun: UnstructuredObject,
  paths: readonly string[][],
  fieldManager: string,
): DriftAdjustment[] {
  const out: DriftAdjustment[] = [];
  for (const path of paths) {
    const a = getPointer(live, path);
    const b = getPointer(dryRun, path);
    if (a.found === b.found && isDeepStrictEqual(a.value, b.value)) continue;
    const strip = ownedByOtherApplyManager(live, path, fieldManager);
    out.push({ path, action: strip ? "strip" : "adopt", found: a.found, ...(a.found ? { value: a.value } : {}) });
  }
  return out;
}

/** A copy of the desired object with the adjustments applied. */
export function adjustDesired(
  desired: UnstructuredObject,
  adjustments: readonly DriftAdjustment[],
): UnstructuredObject {
  const copy = structuredClone(desired);
  for (const adj of adjustments) {
    if (adj.action === "strip" || !adj.found) removePointer(copy, adj.path);
    else if (!setPointer(copy, adj.path, structuredClone(adj.value))) removePointer(copy, adj.path);
  }
  return copy;
}

type Step = { field: string } | { item: unknown };

/**
 * True when a manager other than `fieldManager` owns the field at `path` through a server-side apply
 * (an `Apply` entry of `metadata.managedFields`). List items are resolved through the live object to the
 * `k:{…}` (keyed) or `v:…` (set) entries of the FieldsV1 trie; ownership of an atomic parent counts.
 */
export function ownedByOtherApplyManager(
  live: UnstructuredObject,
  path: readonly string[],
  fieldManager: string,
): boolean {
  const steps: Step[] = [];
  let cur: unknown = live;
  for (const segment of path) {
    if (Array.isArray(cur)) {
      const item = /^(0|[1-9][0-9]*)$/.test(segment) ? cur[Number(segment)] : undefined;
      if (item === undefined) return false;
      steps.push({ item });
      cur = item;
    } else {
      steps.push({ field: segment });
      cur = typeof cur === "object" && cur !== null ? (cur as Record<string, unknown>)[segment] : undefined;
    }
  }
  const entries = (live.metadata.managedFields ?? []) as ManagedFieldsEntry[];
  return entries.some(
    (e) => e.operation === "Apply" && !e.subresource && e.manager !== fieldManager && trieContains(e.fieldsV1, steps),
  );
}

function trieContains(trie: Record<string, unknown> | undefined, steps: readonly Step[]): boolean {
  let node: Record<string, unknown> | undefined = trie;
  for (const step of steps) {
    if (!node) return false;
    const keys = Object.keys(node).filter((k) => k !== ".");
    if (keys.length === 0 && node !== trie) return true; // an owned leaf covers everything below it
    let next: unknown;
    if ("field" in step) next = node[`f:${step.field}`];
    else next = node[keys.find((k) => itemKeyMatches(k, step.item)) ?? ""];
    if (typeof next !== "object" || next === null) return false;
    node = next as Record<string, unknown>;
  }
  return node !== undefined;
}

function itemKeyMatches(key: string, item: unknown): boolean {
  try {
    if (key.startsWith("k:")) {
      const fields = JSON.parse(key.slice(2)) as Record<string, unknown>;
      if (typeof item !== "object" || item === null) return false;
      return Object.entries(fields).every(([k, v]) => isDeepStrictEqual((item as Record<string, unknown>)[k], v));
    }
    if (key.startsWith("v:")) return isDeepStrictEqual(JSON.parse(key.slice(2)), item);
  } catch {
    return false;
  }
  return false;
}
