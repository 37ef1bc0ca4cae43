// A Helm release's user-supplied values (`config` in its storage record) as the UI shows them: every value a
// HelmRelease's `valuesFrom` took from a Secret or ConfigMap is masked, so their data never reaches the
// browser (the inline `spec.values` are on the page already).

import type { ValuesReference } from "@sluice/api";
import type { KubeClient } from "@sluice/runtime/kube";
import { parse } from "yaml";

export const MASK = "*****";

type Values = Record<string, unknown>;

function isMap(v: unknown): v is Values {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/**
 * Splits a `valuesFrom[].targetPath` (Helm's `--set` path: `a.b\.c[0].d`) into keys and list indexes.
 */
export function targetPathSegments(path: string): Array<string | number> {
  const out: Array<string | number> = [];
  let key = "";
  for (let i = 0; i < path.length; i++) {
    const c = path[i]!;
    if (c === "\\" && i + 1 < path.length) key += path[++i];
    else if (c === ".") {
      if (key) out.push(key);
      key = "";
    } else if (c === "[") {
      if (key) out.push(key);
      key = "";
      const end = path.indexOf("]", i);
      out.push(Number(path.slice(i + 1, end < 0 ? path.length : end)));
      i = end < 0 ? path.length : end;
    } else key += c;
  }
  if (key) out.push(key);
  return out;
}

/** Replaces the value at `path` (if present) with the mask; a map or list there is masked whole. */
function maskAt(values: unknown, path: ReadonlyArray<string | number>): void {
  let node = values;
  for (let i = 0; i < path.length - 1; i++) {
    const k = path[i]!;
    node = isMap(node) || Array.isArray(node) ? (node as Record<string | number, unknown>)[k] : undefined;
    if (node === undefined) return;
  }
  const last = path[path.length - 1];
  if (last === undefined) return;
  if ((isMap(node) && last in node) || (Array.isArray(node) && typeof last === "number" && last < node.length)) {
    (node as Record<string | number, unknown>)[last] = MASK;
  }
}

/** Paths of every leaf of a values document (lists are leaves: Helm replaces them whole). */
function leafPaths(doc: unknown, prefix: string[] = [], out: string[][] = []): string[][] {
  if (!isMap(doc)) {
    if (prefix.length > 0) out.push(prefix);
    return out;
  }
  for (const [k, v] of Object.entries(doc)) leafPaths(v, [...prefix, k], out);
  return out;
}

/** Masks every leaf of `values` that `keep` does not hold with an equal value (the safe fallback). */
function maskAllBut(values: unknown, keep: unknown): unknown {
  if (isMap(values)) {
    return Object.fromEntries(
      Object.entries(values).map(([k, v]) => [k, maskAllBut(v, isMap(keep) ? keep[k] : undefined)]),
    );
  }
  return JSON.stringify(values) === JSON.stringify(keep) ? values : MASK;
}

interface DataObject {
  apiVersion: string;
  kind: string;
  metadata: object;
  data?: Record<string, string>;
}

/**
 * Masks what `valuesFrom` contributed to a release's values: a `targetPath` entry masks that path; an entry
 * merged at the root is read (with `client`, never sent) to learn which leaves it set, and those are masked.
 * When an entry cannot be read, every value not equal to the inline `spec.values` is masked.
 */
export async function maskValuesFrom(
  client: Pick<KubeClient, "getOptional">,
  hr: { metadata: { namespace?: string | undefined }; spec?: Values | undefined },
  config: Values | null | undefined,
): Promise<Values> {
  let values: Values = structuredClone(config ?? {});
  const refs = (hr.spec?.["valuesFrom"] ?? []) as ValuesReference[];
  for (const ref of refs) {
    if (ref.targetPath) {
      maskAt(values, targetPathSegments(ref.targetPath));
      continue;
    }
    const key = ref.valuesKey || "values.yaml";
    let doc: unknown;
    try {
      const obj = await client.getOptional<DataObject>({
        apiVersion: "v1",
        kind: ref.kind,
        namespace: hr.metadata.namespace ?? "",
        name: ref.name,
      });
      const raw = obj?.data?.[key];
      const text = raw === undefined ? undefined : ref.kind === "Secret" ? Buffer.from(raw, "base64").toString() : raw;
      doc = text === undefined ? {} : parse(text);
    } catch {
      values = maskAllBut(values, hr.spec?.["values"]) as Values;
      continue;
    }
    for (const path of leafPaths(doc)) maskAt(values, path);
  }
  return values;
}
