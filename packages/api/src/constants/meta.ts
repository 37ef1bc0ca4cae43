// Condition types, reasons, annotations, labels and the finalizer shared by every Flux kind
// (fluxcd/pkg apis/meta). Kind-specific ones live beside their kinds.

/** The finalizer every Sluice controller puts on the objects it reconciles. */
export const FINALIZER = "finalizers.fluxcd.io";

/** Condition types common to all kinds. `Reconciling` and `Stalled` are abnormal-true (present only when True). */
export const ConditionType = {
  Ready: "Ready",
  Healthy: "Healthy",
  Reconciling: "Reconciling",
  Stalled: "Stalled",
} as const;
export type ConditionTypeName = (typeof ConditionType)[keyof typeof ConditionType];

/** Reasons common to all kinds. */
export const Reason = {
  Succeeded: "Succeeded",
  Failed: "Failed",
  Progressing: "Progressing",
  ProgressingWithRetry: "ProgressingWithRetry",
  Suspended: "Suspended",
  DependencyNotReady: "DependencyNotReady",
  ArtifactFailed: "ArtifactFailed",
  BuildFailed: "BuildFailed",
  HealthCheckFailed: "HealthCheckFailed",
  PruneFailed: "PruneFailed",
  ReconciliationSucceeded: "ReconciliationSucceeded",
  ReconciliationFailed: "ReconciliationFailed",
  InvalidURL: "InvalidURL",
  InvalidPath: "InvalidPath",
  AccessDenied: "AccessDenied",
  TokenNotFound: "TokenNotFound",
  DeletionFailed: "DeletionFailed",
  /** Writing the object's status or finalizers failed. */
  PatchOperationFailed: "PatchOperationFailed",
} as const;
export type ReasonName = (typeof Reason)[keyof typeof Reason];

/** Annotations that drive reconciliation, echoed in status (`lastHandledReconcileAt`, …). */
export const Annotation = {
  ReconcileRequestedAt: "reconcile.fluxcd.io/requestedAt",
  ForceRequestedAt: "reconcile.fluxcd.io/forceAt",
  ResetRequestedAt: "reconcile.fluxcd.io/resetAt",
} as const;

/** Labels with a meaning to the controllers. */
export const Label = {
  /** `reconcile.fluxcd.io/watch=Enabled` on a ConfigMap or Secret makes changes to it trigger reconciles. */
  ReconcileWatch: "reconcile.fluxcd.io/watch",
} as const;

/** The value of {@link Label.ReconcileWatch} that enables watching. */
export const ReconcileWatchEnabled = "Enabled";

/** Event severities of the Flux event format. */
export const EventSeverity = { Trace: "trace", Info: "info", Error: "error" } as const;
export type EventSeverityName = (typeof EventSeverity)[keyof typeof EventSeverity];

/** Prefix of object annotations copied into event metadata. */
export const EventMetadataAnnotationPrefix = "event.toolkit.fluxcd.io/";
