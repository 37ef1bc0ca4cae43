import type { UnstructuredObject } from "../kube/object-ref.js";

/** A `metadata.managedFields` entry. */
export interface ManagedFieldsEntry {
  manager?: string;
  operation?: "Apply" | "Update";
  apiVersion?: string;
  time?: string;
  fieldsType?: string;
  fieldsV1?: Record<string, unknown>;
  subresource?: string;
}

/** Selects managed-fields entries to take over: by manager name (prefix, or exact) and operation. */
export interface FieldManagerMatch {
  name: string;
  operation: "Apply" | "Update";
  /** Match the name exactly instead of as a prefix (`kubectl` matches `kubectl-client-side-apply`). */
  exactMatch?: boolean;
}

/** What to strip from live objects before applying (Flux `ApplyCleanupOptions`). */
export interface CleanupOptions {
  /** Annotations to remove (default: `kubectl.kubernetes.io/last-applied-configuration`). */
  annotations?: string[];
  /** Labels to remove. */
  labels?: string[];
  /** Managers whose fields our manager takes over (default: {@link defaultCleanupManagers}). */
  fieldManagers?: FieldManagerMatch[];
}

/** One JSON patch operation. */
export interface JsonPatchOp {
  op: "remove" | "replace" | "add" | "test";
  path: string;
  value?: unknown;
}

/** The kubectl annotation client-side apply leaves behind. */
export const lastAppliedAnnotation = "kubectl.kubernetes.io/last-applied-configuration";

/**
 * The managers whose fields are taken over by default, as kustomize-controller does: `kubectl` apply and
 * update (edits made with `kubectl apply [--server-side]`, `kubectl edit`, …), `before-first-apply`
 * (client-side-apply migration), our own manager's pre-SSA updates, and any `overrideManagers`.
 */
export function defaultCleanupManagers(
  fieldManager: string,
  overrideManagers: readonly string[] = [],
): FieldManagerMatch[] {
  return [
    { name: "kubectl", operation: "Apply" },
    { name: "kubectl", operation: "Update" },
    { name: "before-first-apply", operation: "Update" },
    { name: fieldManager, operation: "Update" },
    ...overrideManagers.flatMap((name) => [
      { name, operation: "Apply" as const },
      { name, operation: "Update" as const },
    ]),
  ];
}

/** Escapes a key for a JSON pointer segment. */
export function escapePointer(segment: string): string {
  return segment.replaceAll("~", "~0").replaceAll("/", "~1");
}

function matches(entry: ManagedFieldsEntry, m: FieldManagerMatch): boolean {
  if (entry.operation !== m.operation || entry.subresource) return false;
  const name = entry.manager ?? "";
  return m.exactMatch ? name === m.name : name.startsWith(m.name);
}

/** The union of two FieldsV1 tries (`{"f:spec": {"f:replicas": {}}}`). */
export function mergeFieldsV1(
  a: Record<string, unknown> | undefined,
  b: Record<string, unknown> | undefined,
): Record<string, unknown> | undefined {
  if (!a) return b;
  if (!b) return a;
  const out: Record<string, unknown> = { ...a };
  for (const [key, value] of Object.entries(b)) {
    const existing = out[key];
    out[key] =
      isTrie(existing) && isTrie(value) ? mergeFieldsV1(existing, value) : existing === undefined ? value : existing;
  }
  return out;
}

function isTrie(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/**
 * The JSON patch that hands the fields of the matched managers to `fieldManager` (merging them into its
 * Apply entry, or renaming the first matched entry when it has none) so the next apply owns, and can
 * change or remove, them; plus removals of the listed annotations and labels. Empty when nothing matches.
 */
export function cleanupPatch(live: UnstructuredObject, fieldManager: string, options: CleanupOptions): JsonPatchOp[] {
  const ops: JsonPatchOp[] = [];
  const annotations = live.metadata.annotations ?? {};
  for (const key of options.annotations ?? [lastAppliedAnnotation]) {
    if (key in annotations) ops.push({ op: "remove", path: `/metadata/annotations/${escapePointer(key)}` });
  }
  const labels = live.metadata.labels ?? {};
  for (const key of options.labels ?? []) {
    if (key in labels) ops.push({ op: "remove", path: `/metadata/labels/${escapePointer(key)}` });
  }
  const managers = options.fieldManagers ?? defaultCleanupManagers(fieldManager);
  const entries = (live.metadata.managedFields ?? []) as ManagedFieldsEntry[];
  let ours = entries.find((e) => e.manager === fieldManager && e.operation === "Apply" && !e.subresource);
  const original = ours;
  const kept: ManagedFieldsEntry[] = [];
  let edited = false;
  for (const entry of entries) {
    if (entry === original) continue;
    if (managers.some((m) => matches(entry, m))) {
      edited = true;
      ours = ours
        ? { ...ours, fieldsV1: mergeFieldsV1(ours.fieldsV1, entry.fieldsV1) ?? {} }
        : { ...entry, manager: fieldManager, operation: "Apply" };
      continue;
    }
    kept.push(entry);
  }
  if (edited && ours) ops.push({ op: "replace", path: "/metadata/managedFields", value: [...kept, ours] });
  return ops;
}
