// Identity, provider and receiver types, and reasons of notification-controller's API
// (notification.toolkit.fluxcd.io: Receiver v1, Alert and Provider v1beta3).

/** API group of Provider, Alert and Receiver. */
export const NOTIFICATION_GROUP = "notification.toolkit.fluxcd.io";
/** Served version of Receiver. */
export const NOTIFICATION_V1 = "v1";
/** Served version of Alert and Provider (static objects without status). */
export const NOTIFICATION_V1BETA3 = "v1beta3";
/** `apiVersion` of Receiver objects. */
export const RECEIVER_API_VERSION = `${NOTIFICATION_GROUP}/${NOTIFICATION_V1}`;
/** `apiVersion` of Alert and Provider objects. */
export const ALERT_API_VERSION = `${NOTIFICATION_GROUP}/${NOTIFICATION_V1BETA3}`;

/** Every Provider `spec.type`, in the order of Flux's enum. */
export const PROVIDER_TYPES = [
  "slack",
  "discord",
  "msteams",
  "rocket",
  "generic",
  "generic-hmac",
  "github",
  "gitlab",
  "gitea",
  "giteapullrequestcomment",
  "bitbucketserver",
  "bitbucket",
  "azuredevops",
  "googlechat",
  "googlepubsub",
  "webex",
  "sentry",
  "azureeventhub",
  "telegram",
  "lark",
  "matrix",
  "opsgenie",
  "alertmanager",
  "grafana",
  "githubdispatch",
  "githubpullrequestcomment",
  "gitlabmergerequestcomment",
  "pagerduty",
  "datadog",
  "nats",
  "zulip",
  "otel",
  "zoom",
  "incident.io",
] as const;
/** A Provider type. */
export type ProviderType = (typeof PROVIDER_TYPES)[number];

/** Provider types that set Git commit statuses (and accept `spec.commitStatusExpr`). */
export const COMMIT_STATUS_PROVIDER_TYPES = [
  "github",
  "gitlab",
  "gitea",
  "bitbucketserver",
  "bitbucket",
  "azuredevops",
] as const satisfies readonly ProviderType[];

/** Default `spec.timeout` of a Provider. */
export const PROVIDER_DEFAULT_TIMEOUT = "15s";

/** Every Receiver `spec.type`, in the order of Flux's enum. */
export const RECEIVER_TYPES = [
  "generic",
  "generic-hmac",
  "generic-oidc",
  "github",
  "gitlab",
  "bitbucket",
  "harbor",
  "dockerhub",
  "quay",
  "gcr",
  "nexus",
  "acr",
  "cdevents",
] as const;
/** A Receiver type. */
export type ReceiverType = (typeof RECEIVER_TYPES)[number];

/** Kinds an Alert event source or a Receiver resource may name. */
export const NOTIFICATION_OBJECT_KINDS = [
  "Bucket",
  "GitRepository",
  "Kustomization",
  "HelmRelease",
  "HelmChart",
  "HelmRepository",
  "ImageRepository",
  "ImagePolicy",
  "ImageUpdateAutomation",
  "OCIRepository",
  "ArtifactGenerator",
  "ExternalArtifact",
] as const;

/** Path prefix of Receiver webhooks (`/hook/<sha256>`). */
export const RECEIVER_WEBHOOK_PATH_PREFIX = "/hook/";
/** Default `interval` of a Receiver. */
export const RECEIVER_DEFAULT_INTERVAL = "10m";
/** Audience expected in tokens of a generic-oidc Receiver provider without `audience`. */
export const DEFAULT_OIDC_AUDIENCE = "notification-controller";

/** Condition types of a Receiver (`Reconciling` and `Stalled` only while True). */
export const ReceiverCondition = { Ready: "Ready", Reconciling: "Reconciling", Stalled: "Stalled" } as const;

/** Reasons notification-controller sets on a Receiver's conditions. */
export const ReceiverReason = {
  Initialized: "Initialized",
  ValidationFailed: "ValidationFailed",
  TokenNotFound: "TokenNotFound",
  Succeeded: "Succeeded",
  Failed: "Failed",
  Progressing: "Progressing",
  ProgressingWithRetry: "ProgressingWithRetry",
  InvalidCELExpression: "InvalidCELExpression",
} as const;
export type ReceiverReasonName = (typeof ReceiverReason)[keyof typeof ReceiverReason];

/** Values of Alert `spec.eventSeverity`; `info` (the default) lets every event through. */
export const AlertSeverity = { Info: "info", Error: "error" } as const;
