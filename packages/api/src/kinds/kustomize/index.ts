import type { KindDefinition } from "../../meta/kind.js";
import { KustomizationKind } from "./kustomization.js";

export * from "./common-metadata.js";
export * from "./constants.js";
export * from "./custom-health-check.js";
export * from "./dependency-reference.js";
export * from "./ignore-rule.js";
export * from "./kube-config.js";
export * from "./kustomization.js";
export * from "./kustomization-defaults.js";
export * from "./kustomize-overlay.js";

/** The kinds of kustomize.toolkit.fluxcd.io, in CRD generation order. */
export const KUSTOMIZE_KINDS: readonly KindDefinition[] = [KustomizationKind];
