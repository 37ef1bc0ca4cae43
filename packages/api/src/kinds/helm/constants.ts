// Identity, conditions, reasons, labels and annotations of helm-controller's API (helm.toolkit.fluxcd.io/v2).

/** API group of HelmRelease. */
export const HELM_GROUP = "helm.toolkit.fluxcd.io";
/** Served (and stored) version of HelmRelease. */
export const HELM_VERSION = "v2";
/** `apiVersion` of HelmRelease objects. */
export const HELM_API_VERSION = `${HELM_GROUP}/${HELM_VERSION}`;

/** Condition types of a HelmRelease (`Reconciling` and `Stalled` only while True). */
export const HelmReleaseCondition = {
  Ready: "Ready",
  /** Outcome of the last install or upgrade against the latest desired state. */
  Released: "Released",
  /** Outcome of the last Helm test run. */
  TestSuccess: "TestSuccess",
  /** Outcome of the last rollback or uninstall done to remediate a failure. */
  Remediated: "Remediated",
  /** Whether the cluster state drifted from the release manifest. */
  Drifted: "Drifted",
  Reconciling: "Reconciling",
  Stalled: "Stalled",
} as const;
export type HelmReleaseConditionName = (typeof HelmReleaseCondition)[keyof typeof HelmReleaseCondition];

/** Reasons helm-controller sets on a HelmRelease's conditions. */
export const HelmReleaseReason = {
  InstallSucceeded: "InstallSucceeded",
  InstallFailed: "InstallFailed",
  UpgradeSucceeded: "UpgradeSucceeded",
  UpgradeFailed: "UpgradeFailed",
  TestSucceeded: "TestSucceeded",
  TestFailed: "TestFailed",
  RollbackSucceeded: "RollbackSucceeded",
  RollbackFailed: "RollbackFailed",
  UninstallSucceeded: "UninstallSucceeded",
  UninstallFailed: "UninstallFailed",
  ArtifactFailed: "ArtifactFailed",
  DependencyNotReady: "DependencyNotReady",
  DriftDetected: "DriftDetected",
  NoDriftDetected: "NoDriftDetected",
  DriftCorrected: "DriftCorrected",
  DriftCorrectionFailed: "DriftCorrectionFailed",
  InventoryBuildFailed: "InventoryBuildFailed",
  NamespaceCheckSkipped: "NamespaceCheckSkipped",
  /** TestSuccess=Unknown while tests of a new release have not run yet. */
  AwaitingTests: "AwaitingTests",
  /** Released=False when a release was left pending (locked) and had to be unlocked. */
  PendingRelease: "PendingRelease",
  Progressing: "Progressing",
  ProgressingWithRetry: "ProgressingWithRetry",
  Succeeded: "Succeeded",
  HealthCheckCanceled: "HealthCheckCanceled",
  InvalidCELExpression: "InvalidCELExpression",
} as const;
export type HelmReleaseReasonName = (typeof HelmReleaseReason)[keyof typeof HelmReleaseReason];

/** Labels helm-controller puts on every object of a release, naming the owning HelmRelease. */
export const HelmLabel = {
  Name: `${HELM_GROUP}/name`,
  Namespace: `${HELM_GROUP}/namespace`,
} as const;

/** Label or annotation that opts one object out of drift detection when set to {@link DriftDetectionDisabledValue}. */
export const DriftDetectionMetadataKey = `${HELM_GROUP}/driftDetection`;
/** The value of {@link DriftDetectionMetadataKey} that disables drift detection for the object. */
export const DriftDetectionDisabledValue = "disabled";

/** Annotations acted on only when their value equals `reconcile.fluxcd.io/requestedAt`. */
export const HelmReleaseAnnotation = {
  /** One-off forced release even without changes; echoed in `status.lastHandledForceAt`. */
  ForceRequestedAt: "reconcile.fluxcd.io/forceAt",
  /** Resets the failure counters so retries start over; echoed in `status.lastHandledResetAt`. */
  ResetRequestedAt: "reconcile.fluxcd.io/resetAt",
} as const;

/** Release actions recorded in snapshots and `status.lastAttemptedReleaseAction`. */
export const ReleaseAction = {
  Install: "install",
  Upgrade: "upgrade",
  Rollback: "rollback",
  Uninstall: "uninstall",
  UninstallRemediation: "uninstall-remediation",
} as const;
export type ReleaseActionName = (typeof ReleaseAction)[keyof typeof ReleaseAction];

/** Install/upgrade strategy names. */
export const ActionStrategy = { RemediateOnFailure: "RemediateOnFailure", RetryOnFailure: "RetryOnFailure" } as const;
export type ActionStrategyName = (typeof ActionStrategy)[keyof typeof ActionStrategy];

/** Upgrade remediation strategies; install failures are always remediated by uninstall. */
export const RemediationStrategy = { Rollback: "rollback", Uninstall: "uninstall" } as const;
export type RemediationStrategyName = (typeof RemediationStrategy)[keyof typeof RemediationStrategy];

/** CRD policies for install and upgrade. */
export const CrdsPolicy = { Skip: "Skip", Create: "Create", CreateReplace: "CreateReplace" } as const;
export type CrdsPolicyName = (typeof CrdsPolicy)[keyof typeof CrdsPolicy];

/** Drift detection modes; `disabled` is the default. */
export const DriftDetectionMode = { Enabled: "enabled", Warn: "warn", Disabled: "disabled" } as const;
export type DriftDetectionModeName = (typeof DriftDetectionMode)[keyof typeof DriftDetectionMode];

/** Field manager helm-controller applies HelmChart templates with. */
export const HELM_FIELD_MANAGER = "helm-controller";

/** Version of the snapshot digest scheme helm-controller writes into `status.history[].apiVersion`. */
export const CURRENT_SNAPSHOT_API_VERSION = "v2";
