import type { KindDefinition } from "../../meta/kind.js";
import { HelmReleaseKind } from "./helm-release.js";

export * from "./constants.js";
export * from "./drift-detection.js";
export * from "./helm-chart-template.js";
export * from "./helm-release.js";
export * from "./helm-release-defaults.js";
export * from "./post-renderer.js";
export * from "./release-actions.js";
export * from "./release-name.js";
export * from "./snapshot.js";
export * from "./values-reference.js";

/** The kinds of helm.toolkit.fluxcd.io, in CRD generation order. */
export const HELM_KINDS: readonly KindDefinition[] = [HelmReleaseKind];
