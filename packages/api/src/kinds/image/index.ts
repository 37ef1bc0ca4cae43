import type { KindDefinition } from "../../meta/kind.js";
import { ImagePolicyKind } from "./image-policy.js";
import { ImageRepositoryKind } from "./image-repository.js";
import { ImageUpdateAutomationKind } from "./image-update-automation.js";

export * from "./constants.js";
export * from "./image-defaults.js";
export * from "./image-policy.js";
export * from "./image-ref.js";
export * from "./image-repository.js";
export * from "./image-update-automation.js";
export * from "./label-selector.js";

/** The kinds of image.toolkit.fluxcd.io, in CRD generation order. */
export const IMAGE_KINDS: readonly KindDefinition[] = [ImageRepositoryKind, ImagePolicyKind, ImageUpdateAutomationKind];
