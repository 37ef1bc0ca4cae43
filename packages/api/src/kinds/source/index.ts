import type { KindDefinition } from "../../meta/kind.js";
import { BucketKind } from "./bucket.js";
import { ExternalArtifactKind } from "./external-artifact.js";
import { GitRepositoryKind } from "./git-repository.js";
import { HelmChartKind } from "./helm-chart.js";
import { HelmRepositoryKind } from "./helm-repository.js";
import { OCIRepositoryKind } from "./oci-repository.js";

export * from "./bucket.js";
export {
  type OIDCIdentityMatch,
  OIDCIdentityMatchSchema,
  TIMEOUT_PATTERN as SOURCE_TIMEOUT_PATTERN,
} from "./common.js";
export * from "./constants.js";
export * from "./external-artifact.js";
export * from "./git-repository.js";
export * from "./helm-chart.js";
export * from "./helm-repository.js";
export * from "./oci-repository.js";
export * from "./revision.js";

/** The kinds of source.toolkit.fluxcd.io/v1, in the order their CRDs are generated. */
export const SOURCE_KINDS: readonly KindDefinition[] = [
  BucketKind,
  ExternalArtifactKind,
  GitRepositoryKind,
  HelmChartKind,
  HelmRepositoryKind,
  OCIRepositoryKind,
];
