// Constants of the source.toolkit.fluxcd.io API group: group/version, kind names, condition types and
// reasons the source-controller sets, and the enumerated values of source spec fields.

/** The API group of the source kinds. */
export const SOURCE_GROUP = "source.toolkit.fluxcd.io";

/** The served and stored version of the source kinds. */
export const SOURCE_VERSION = "v1";

/** `apiVersion` of every source object: `source.toolkit.fluxcd.io/v1`. */
export const SOURCE_API_VERSION = `${SOURCE_GROUP}/${SOURCE_VERSION}` as const;

/** Kind names of the source API group. */
export const SourceKind = {
  GitRepository: "GitRepository",
  HelmRepository: "HelmRepository",
  HelmChart: "HelmChart",
  OCIRepository: "OCIRepository",
  Bucket: "Bucket",
  ExternalArtifact: "ExternalArtifact",
} as const;
export type SourceKindName = (typeof SourceKind)[keyof typeof SourceKind];

/** The finalizer the source-controller puts on every source object. */
export const SOURCE_FINALIZER = "finalizers.fluxcd.io";

/**
 * Condition types owned by the source kinds (in addition to Ready, Reconciling and Stalled).
 * `ArtifactInStorage` is present once an artifact is stored; `SourceVerified` only when verification is
 * configured; the others are abnormal-true: present only while True.
 */
export const SourceCondition = {
  /** True once the artifact is stored; only present after a successful store. */
  ArtifactInStorage: "ArtifactInStorage",
  /** Abnormal-true: the stored artifact is behind upstream (reason `NewRevision`). */
  ArtifactOutdated: "ArtifactOutdated",
  /** Result of signature verification; present only when `spec.verify` is set. */
  SourceVerified: "SourceVerified",
  /** Abnormal-true: fetching from upstream failed. */
  FetchFailed: "FetchFailed",
  /** Abnormal-true: building the artifact failed. */
  BuildFailed: "BuildFailed",
  /** Abnormal-true: a storage (filesystem) operation failed. */
  StorageOperationFailed: "StorageOperationFailed",
  /** Abnormal-true (GitRepository): an included GitRepository has no artifact yet. */
  IncludeUnavailable: "IncludeUnavailable",
} as const;
export type SourceConditionType = (typeof SourceCondition)[keyof typeof SourceCondition];

/** Condition reasons the source-controller sets (the common ones live in `Reason` of the meta constants). */
export const SourceReason = {
  URLInvalid: "URLInvalid",
  AuthenticationFailed: "AuthenticationFailed",
  VerificationError: "VerificationError",
  DirCreationFailed: "DirectoryCreationFailed",
  StatOperationFailed: "StatOperationFailed",
  ReadOperationFailed: "ReadOperationFailed",
  AcquireLockFailed: "AcquireLockFailed",
  InvalidPath: "InvalidPath",
  ArchiveOperationFailed: "ArchiveOperationFailed",
  SymlinkUpdateFailed: "SymlinkUpdateFailed",
  ArtifactUpToDate: "ArtifactUpToDate",
  CacheOperationFailed: "CacheOperationFailed",
  PatchOperationFailed: "PatchOperationFailed",
  InvalidSTSConfiguration: "InvalidSTSConfiguration",
  InvalidProviderConfiguration: "InvalidProviderConfiguration",
  /** Reason of `ArtifactOutdated=True`: upstream has a revision the storage does not. */
  NewRevision: "NewRevision",
  GitOperationSucceeded: "GitOperationSucceeded",
  GitOperationFailed: "GitOperationFailed",
  IndexationFailed: "IndexationFailed",
  ChartPullSucceeded: "ChartPullSucceeded",
  ChartPackageSucceeded: "ChartPackageSucceeded",
  OCIArtifactPullFailed: "OCIArtifactPullFailed",
  OCIArtifactLayerOperationFailed: "OCIArtifactLayerOperationFailed",
  BucketOperationSucceeded: "BucketOperationSucceeded",
  BucketOperationFailed: "BucketOperationFailed",
} as const;
export type SourceReasonName = (typeof SourceReason)[keyof typeof SourceReason];

/**
 * Reasons of HelmChart build failures (`BuildFailed` / `Stalled`), as the source-controller's chart
 * builder names them. `InvalidChartReference` and `ChartVerificationError` are persistent (stalling).
 */
export const HelmChartBuildReason = {
  InvalidChartReference: "InvalidChartReference",
  ChartPullError: "ChartPullError",
  MetadataPatchError: "MetadataPatchError",
  ValuesFilesError: "ValuesFilesError",
  DependencyBuildError: "DependencyBuildError",
  ChartPackageError: "ChartPackageError",
  ChartVerificationError: "ChartVerificationError",
  Unknown: "Unknown",
} as const;
export type HelmChartBuildReasonName = (typeof HelmChartBuildReason)[keyof typeof HelmChartBuildReason];

/** `GitRepository.spec.provider` values. */
export const GitProvider = { Generic: "generic", Aws: "aws", Azure: "azure", GitHub: "github" } as const;
export type GitProviderName = (typeof GitProvider)[keyof typeof GitProvider];

/**
 * `GitRepository.spec.verify.mode` values. `head` is accepted by the CRD as a legacy spelling of `HEAD`.
 */
export const GitVerifyMode = { Head: "HEAD", LegacyHead: "head", Tag: "Tag", TagAndHead: "TagAndHEAD" } as const;
export type GitVerifyModeName = (typeof GitVerifyMode)[keyof typeof GitVerifyMode];

/** The branch a GitRepository checks out when `spec.ref` names nothing. */
export const DEFAULT_GIT_BRANCH = "master";

/** `HelmRepository.spec.type` values: an HTTP(S) index, or an OCI registry (no artifact, no Ready). */
export const HelmRepositoryType = { Default: "default", Oci: "oci" } as const;
export type HelmRepositoryTypeName = (typeof HelmRepositoryType)[keyof typeof HelmRepositoryType];

/** `HelmRepository.spec.provider` / `OCIRepository.spec.provider` values. */
export const OciProvider = { Generic: "generic", Aws: "aws", Azure: "azure", Gcp: "gcp" } as const;
export type OciProviderName = (typeof OciProvider)[keyof typeof OciProvider];

/** `HelmChart.spec.reconcileStrategy` values. */
export const ReconcileStrategy = { ChartVersion: "ChartVersion", Revision: "Revision" } as const;
export type ReconcileStrategyName = (typeof ReconcileStrategy)[keyof typeof ReconcileStrategy];

/** Kinds a HelmChart's `spec.sourceRef` may name. */
export const HelmChartSourceKind = {
  HelmRepository: "HelmRepository",
  GitRepository: "GitRepository",
  Bucket: "Bucket",
} as const;
export type HelmChartSourceKindName = (typeof HelmChartSourceKind)[keyof typeof HelmChartSourceKind];

/** Signature verification providers of OCIRepository and HelmChart `spec.verify.provider`. */
export const VerificationProvider = { Cosign: "cosign", Notation: "notation" } as const;
export type VerificationProviderName = (typeof VerificationProvider)[keyof typeof VerificationProvider];

/** `OCIRepository.spec.layerSelector.operation` values; `extract` is used when unset. */
export const OciLayerOperation = { Extract: "extract", Copy: "copy" } as const;
export type OciLayerOperationName = (typeof OciLayerOperation)[keyof typeof OciLayerOperation];

/** The URL scheme prefix of OCI repositories. */
export const OCI_URL_PREFIX = "oci://";

/** `Bucket.spec.provider` values. */
export const BucketProvider = { Generic: "generic", Aws: "aws", Gcp: "gcp", Azure: "azure" } as const;
export type BucketProviderName = (typeof BucketProvider)[keyof typeof BucketProvider];

/** `Bucket.spec.sts.provider` values. */
export const StsProvider = { Aws: "aws", Ldap: "ldap" } as const;
export type StsProviderName = (typeof StsProvider)[keyof typeof StsProvider];

/** The timeout source operations use when `spec.timeout` is unset (also the CRD default where it has one). */
export const DEFAULT_SOURCE_TIMEOUT = "60s";
