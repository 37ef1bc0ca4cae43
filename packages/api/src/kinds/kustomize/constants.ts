// Identity, condition reasons, annotations and labels of kustomize-controller's API
// (kustomize.toolkit.fluxcd.io/v1).

/** API group of Kustomization. */
export const KUSTOMIZE_GROUP = "kustomize.toolkit.fluxcd.io";
/** Served (and stored) version of Kustomization. */
export const KUSTOMIZE_VERSION = "v1";
/** `apiVersion` of Kustomization objects. */
export const KUSTOMIZE_API_VERSION = `${KUSTOMIZE_GROUP}/${KUSTOMIZE_VERSION}`;

/** Condition types a Kustomization carries (`Reconciling` and `Stalled` only while True). */
export const KustomizationCondition = {
  Ready: "Ready",
  Healthy: "Healthy",
  Reconciling: "Reconciling",
  Stalled: "Stalled",
} as const;
export type KustomizationConditionName = (typeof KustomizationCondition)[keyof typeof KustomizationCondition];

/** Reasons kustomize-controller sets on a Kustomization's conditions. */
export const KustomizationReason = {
  ReconciliationSucceeded: "ReconciliationSucceeded",
  ReconciliationFailed: "ReconciliationFailed",
  Progressing: "Progressing",
  ProgressingWithRetry: "ProgressingWithRetry",
  Succeeded: "Succeeded",
  ArtifactFailed: "ArtifactFailed",
  BuildFailed: "BuildFailed",
  HealthCheckFailed: "HealthCheckFailed",
  HealthCheckCanceled: "HealthCheckCanceled",
  PruneFailed: "PruneFailed",
  DependencyNotReady: "DependencyNotReady",
  InvalidCELExpression: "InvalidCELExpression",
  FeatureGateDisabled: "FeatureGateDisabled",
} as const;
export type KustomizationReasonName = (typeof KustomizationReason)[keyof typeof KustomizationReason];

/** Labels kustomize-controller puts on every object it applies, naming the owning Kustomization. */
export const KustomizeLabel = {
  Name: `${KUSTOMIZE_GROUP}/name`,
  Namespace: `${KUSTOMIZE_GROUP}/namespace`,
} as const;

/**
 * Per-object annotations that change how kustomize-controller treats an object. Values are compared
 * case-insensitively.
 */
export const KustomizeAnnotation = {
  /** Apply policy: `Override` (default), `Merge`, `IfNotPresent` or `Ignore`. */
  Ssa: `${KUSTOMIZE_GROUP}/ssa`,
  /** `Enabled` recreates the object when an immutable field changes. */
  Force: `${KUSTOMIZE_GROUP}/force`,
  /** `Disabled` keeps the object when it leaves the inventory (no garbage collection). */
  Prune: `${KUSTOMIZE_GROUP}/prune`,
  /** `Disabled` stops the controller from applying the object after it exists. */
  Reconcile: `${KUSTOMIZE_GROUP}/reconcile`,
  /** `Disabled` skips post-build variable substitution for the object. */
  Substitute: `${KUSTOMIZE_GROUP}/substitute`,
  /** `Disabled` skips SOPS decryption for the object. */
  Decrypt: `${KUSTOMIZE_GROUP}/decrypt`,
} as const;

/** Values of {@link KustomizeAnnotation.Ssa}. */
export const SsaPolicy = {
  Override: "Override",
  Merge: "Merge",
  IfNotPresent: "IfNotPresent",
  Ignore: "Ignore",
} as const;
export type SsaPolicyName = (typeof SsaPolicy)[keyof typeof SsaPolicy];

/** The `enabled` value of the force annotation (matched case-insensitively). */
export const KustomizeEnabledValue = "enabled";
/** The `disabled` value of the prune, reconcile, substitute and decrypt annotations (case-insensitive). */
export const KustomizeDisabledValue = "disabled";

/** Values of `spec.deletionPolicy`; `MirrorPrune` (the default) deletes when `prune` is true. */
export const DeletionPolicy = {
  MirrorPrune: "MirrorPrune",
  Delete: "Delete",
  WaitForTermination: "WaitForTermination",
  Orphan: "Orphan",
} as const;
export type DeletionPolicyName = (typeof DeletionPolicy)[keyof typeof DeletionPolicy];

/** Values of `spec.postBuild.substituteStrategy`; `WithVariables` is the default. */
export const SubstituteStrategy = { WithVariables: "WithVariables", Always: "Always" } as const;
export type SubstituteStrategyName = (typeof SubstituteStrategy)[keyof typeof SubstituteStrategy];

/** Values of `spec.buildMetadata`. */
export const BuildMetadataOption = {
  OriginAnnotations: "originAnnotations",
  TransformerAnnotations: "transformerAnnotations",
} as const;

/** The only `spec.decryption.provider`. */
export const DecryptionProviderSops = "sops";

/** Field manager kustomize-controller applies objects with (server-side apply). */
export const KUSTOMIZE_FIELD_MANAGER = "kustomize-controller";
