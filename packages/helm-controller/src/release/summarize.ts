// helm-controller's summarize (internal/reconcile/release.go): Ready taken from the first of Remediated,
// TestSuccess (when tests count) and Released, and the observed post-renderer and common-metadata digests.

import { createHash } from "node:crypto";
import { type Condition, ConditionType, type HelmRelease, HelmReleaseCondition } from "@sluice/api";
import { deleteCondition, setCondition } from "@sluice/runtime";
import { statusOf } from "./request.js";

/** Go's encoding of a string value. */
function goString(value: string): string {
  return JSON.stringify(value).replace(/</g, "\\u003c").replace(/>/g, "\\u003e").replace(/&/g, "\\u0026");
}

/** Go's encoding of a struct: `fields` in declaration order, `omitempty` ones dropped when empty. */
function goStruct(value: Record<string, unknown> | undefined, fields: readonly [string, (v: unknown) => string][]) {
  const parts: string[] = [];
  for (const [name, encode] of fields) {
    const v = value?.[name];
    if (v === undefined || v === null || v === "" || (Array.isArray(v) && v.length === 0)) continue;
    if (typeof v === "object" && !Array.isArray(v) && Object.keys(v).length === 0) continue;
    parts.push(`${goString(name)}:${encode(v)}`);
  }
  return `{${parts.join(",")}}`;
}

const str = (v: unknown) => goString(String(v));
const stringMap = (v: unknown) =>
  `{${Object.keys(v as Record<string, string>)
    .sort()
    .map((k) => `${goString(k)}:${goString((v as Record<string, string>)[k] ?? "")}`)
    .join(",")}}`;
const list = (item: (v: unknown) => string) => (v: unknown) => `[${(v as unknown[]).map(item).join(",")}]`;
const selector = (v: unknown) =>
  goStruct(v as Record<string, unknown>, [
    ["group", str],
    ["version", str],
    ["kind", str],
    ["namespace", str],
    ["name", str],
    ["annotationSelector", str],
    ["labelSelector", str],
  ]);
const patch = (v: unknown) =>
  goStruct(v as Record<string, unknown>, [
    ["patch", str],
    ["target", selector],
  ]);
/** kustomize.Image: `name` is not omitempty. */
const image = (v: unknown) => {
  const rest = goStruct(v as Record<string, unknown>, [
    ["newName", str],
    ["newTag", str],
    ["digest", str],
  ]);
  const name = `"name":${goString(String((v as { name?: string }).name ?? ""))}`;
  return rest === "{}" ? `{${name}}` : `{${name},${rest.slice(1)}`;
};
const kustomize = (v: unknown) =>
  goStruct(v as Record<string, unknown>, [
    ["patches", list(patch)],
    ["images", list(image)],
  ]);

function sha256(text: string): string {
  return `sha256:${createHash("sha256").update(text).digest("hex")}`;
}

/** `sha256:` digest of `spec.postRenderers` as helm-controller computes it (Go JSON encoding, newline). */
export function postRenderersDigest(postRenderers: HelmRelease["spec"]["postRenderers"]): string {
  const items = (postRenderers ?? []).map((p) => goStruct(p as Record<string, unknown>, [["kustomize", kustomize]]));
  return sha256(`[${items.join(",")}]\n`);
}

/** `sha256:` digest of `spec.commonMetadata` as helm-controller computes it. */
export function commonMetadataDigest(commonMetadata: HelmRelease["spec"]["commonMetadata"]): string {
  const text = goStruct(commonMetadata as Record<string, unknown>, [
    ["annotations", stringMap],
    ["labels", stringMap],
  ]);
  return sha256(`${text}\n`);
}

/**
 * Sets Ready from the conditions the release actions own, as helm-controller's summarize does: the first of
 * Remediated, TestSuccess (only with tests enabled and failures not ignored) and Released, preferring
 * conditions of the current generation; Remediated makes Ready False; a True Ready clears Stalled.
 * TestSuccess is dropped when tests are disabled. Also records the observed post-renderer and
 * common-metadata digests.
 */
export function summarize(obj: HelmRelease): void {
  const test = obj.spec.test;
  const order: string[] = [HelmReleaseCondition.Remediated, HelmReleaseCondition.Released];
  if (test?.enable && !test.ignoreFailures) order.splice(1, 0, HelmReleaseCondition.TestSuccess);
  if (!test?.enable) deleteCondition(obj, HelmReleaseCondition.TestSuccess);

  const conditions = obj.status?.conditions ?? [];
  if (conditions.length > 0) {
    // Go's sort.SliceStable with helm-controller's less function.
    const less = (a: Condition, b: Condition): boolean => {
      const i = order.indexOf(a.type);
      if (i < 0) return false;
      const j = order.indexOf(b.type);
      if (j < 0) return true;
      return (a.observedGeneration ?? 0) >= (b.observedGeneration ?? 0) && i < j;
    };
    const sorted = insertionSortStable(conditions, less);
    const first = sorted[0] as Condition;
    const status = first.type === HelmReleaseCondition.Remediated ? "False" : first.status;
    if (status === "True") deleteCondition(obj, ConditionType.Stalled);
    setCondition(obj, { type: ConditionType.Ready, status, reason: first.reason, message: first.message });
  }

  const status = statusOf(obj);
  if (obj.spec.postRenderers) status.observedPostRenderersDigest = postRenderersDigest(obj.spec.postRenderers);
  else delete status.observedPostRenderersDigest;
  if (obj.spec.commonMetadata) status.observedCommonMetadataDigest = commonMetadataDigest(obj.spec.commonMetadata);
  else delete status.observedCommonMetadataDigest;
}

/** A stable insertion sort by `less` (Go's SliceStable on short slices); `less` need not be a strict order. */
function insertionSortStable<T>(items: readonly T[], less: (a: T, b: T) => boolean): T[] {
  const out = [...items];
  for (let i = 1; i < out.length; i++) {
    for (let j = i; j > 0 && less(out[j] as T, out[j - 1] as T); j--) {
      [out[j - 1], out[j]] = [out[j] as T, out[j - 1] as T];
    }
  }
  return out;
}
