// Constants of the source.extensions.fluxcd.io API group (Flux's source-watcher): group/version, labels,
// annotations, finalizer, reasons and copy strategies of the ArtifactGenerator.

/** The API group of source-watcher's kinds. */
export const SOURCE_EXTENSIONS_GROUP = "source.extensions.fluxcd.io";
/** The served and stored version of the ArtifactGenerator. */
export const SOURCE_EXTENSIONS_VERSION = "v1beta1";
/** `apiVersion` of an ArtifactGenerator: `source.extensions.fluxcd.io/v1beta1`. */
export const SOURCE_EXTENSIONS_API_VERSION = `${SOURCE_EXTENSIONS_GROUP}/${SOURCE_EXTENSIONS_VERSION}` as const;

/** The finalizer source-watcher puts on every ArtifactGenerator. */
export const ARTIFACT_GENERATOR_FINALIZER = "source.extensions.fluxcd.io/finalizer";
/** Label on each generated ExternalArtifact: the UID of its ArtifactGenerator (as Flux sets it). */
export const ARTIFACT_GENERATOR_LABEL = "source.extensions.fluxcd.io/generator";
/** Annotation that disables (`disabled`) or enables reconciliation of an ArtifactGenerator. */
export const ARTIFACT_GENERATOR_RECONCILE_ANNOTATION = "source.extensions.fluxcd.io/reconcile";
/** Artifact metadata key of the origin revision (set from `originRevision`). */
export const ARTIFACT_ORIGIN_REVISION_ANNOTATION = "org.opencontainers.image.revision";

/** Kinds an ArtifactGenerator source may be. */
export const ARTIFACT_GENERATOR_SOURCE_KINDS = [
  "Bucket",
  "GitRepository",
  "OCIRepository",
  "HelmChart",
  "ExternalArtifact",
] as const;

/** Copy strategies of an ArtifactGenerator copy operation. */
export const CopyStrategy = { Overwrite: "Overwrite", Merge: "Merge", Extract: "Extract" } as const;
/** A copy strategy. */
export type CopyStrategyName = (typeof CopyStrategy)[keyof typeof CopyStrategy];

/** Reasons source-watcher sets on an ArtifactGenerator's conditions. */
export const ArtifactGeneratorReason = {
  ReconciliationDisabled: "ReconciliationDisabled",
  AccessDenied: "AccessDenied",
  ValidationFailed: "ValidationFailed",
  SourceFetchFailed: "SourceFetchFailed",
  BuildFailed: "BuildFailed",
  ReconciliationFailed: "ReconciliationFailed",
} as const;
