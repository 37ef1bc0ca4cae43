import type { KindDefinition } from "../../meta/kind.js";
import { ArtifactGeneratorKind } from "./artifact-generator.js";

export * from "./artifact-generator.js";
export * from "./constants.js";

/** The kinds of source.extensions.fluxcd.io/v1beta1 (source-watcher). */
export const SOURCE_EXTENSIONS_KINDS: readonly KindDefinition[] = [ArtifactGeneratorKind];
