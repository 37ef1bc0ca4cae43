// Whether an OCIRepository's stored artifact was built with the current content settings (Flux's
// ociContentConfigChanged): `spec.ignore` and `spec.layerSelector` against their observed values.

import type { OCILayerSelector, OCIRepository } from "@sluice/api";

/** True when `spec.ignore` or `spec.layerSelector` differ from `status.observedIgnore`/`observedLayerSelector`. */
export function ociContentConfigChanged(obj: OCIRepository): boolean {
  if ((obj.spec.ignore ?? undefined) !== (obj.status?.observedIgnore ?? undefined)) return true;
  return !layerSelectorEqual(obj.spec.layerSelector, obj.status?.observedLayerSelector);
}

function layerSelectorEqual(a: OCILayerSelector | undefined, b: OCILayerSelector | undefined): boolean {
  if ((a === undefined) !== (b === undefined)) return false;
  if (!a || !b) return true;
  return (a.mediaType ?? "") === (b.mediaType ?? "") && (a.operation ?? "") === (b.operation ?? "");
}
