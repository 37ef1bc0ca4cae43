// Identity, conditions, reasons and markers of the image automation API (image.toolkit.fluxcd.io/v1):
// ImageRepository and ImagePolicy (image-reflector-controller), ImageUpdateAutomation
// (image-automation-controller).

/** API group of the image kinds. */
export const IMAGE_GROUP = "image.toolkit.fluxcd.io";
/** Served (and stored) version of the image kinds. */
export const IMAGE_VERSION = "v1";
/** `apiVersion` of image objects. */
export const IMAGE_API_VERSION = `${IMAGE_GROUP}/${IMAGE_VERSION}`;

/** Condition types of the image kinds (`Reconciling` and `Stalled` only while True). */
export const ImageCondition = {
  Ready: "Ready",
  Reconciling: "Reconciling",
  Stalled: "Stalled",
  /** Abnormal-true: a cross-namespace reference was refused by the ImageRepository's accessFrom. */
  AccessDenied: "AccessDenied",
} as const;

/** Reasons image-reflector-controller sets on ImageRepository and ImagePolicy conditions. */
export const ImageReflectorReason = {
  ImageURLInvalid: "ImageURLInvalid",
  DependencyNotReady: "DependencyNotReady",
  AuthenticationFailed: "AuthenticationFailed",
  ReadOperationFailed: "ReadOperationFailed",
  IntervalNotConfigured: "IntervalNotConfigured",
  AccessDenied: "AccessDenied",
  Succeeded: "Succeeded",
  Failed: "Failed",
  Progressing: "Progressing",
  ProgressingWithRetry: "ProgressingWithRetry",
  FeatureGateDisabled: "FeatureGateDisabled",
} as const;
export type ImageReflectorReasonName = (typeof ImageReflectorReason)[keyof typeof ImageReflectorReason];

/** Reasons image-automation-controller sets on ImageUpdateAutomation conditions. */
export const ImageUpdateAutomationReason = {
  InvalidUpdateStrategy: "InvalidUpdateStrategy",
  InvalidSourceConfiguration: "InvalidSourceConfiguration",
  SourceManagerFailed: "SourceManagerFailed",
  GitOperationFailed: "GitOperationFailed",
  UpdateFailed: "UpdateFailed",
  InvalidPolicySelector: "InvalidPolicySelector",
  RemovedTemplateField: "RemovedTemplateField",
  Succeeded: "Succeeded",
  Failed: "Failed",
  Progressing: "Progressing",
  ProgressingWithRetry: "ProgressingWithRetry",
  FeatureGateDisabled: "FeatureGateDisabled",
} as const;
export type ImageUpdateAutomationReasonName =
  (typeof ImageUpdateAutomationReason)[keyof typeof ImageUpdateAutomationReason];

/** Default `spec.exclusionList` of an ImageRepository: skip cosign signature tags. */
export const DEFAULT_EXCLUSION_LIST = ["^.*\\.sig$"] as const;

/** Values of ImagePolicy `spec.digestReflectionPolicy`; `Never` is the default. */
export const DigestReflectionPolicy = { Always: "Always", IfNotPresent: "IfNotPresent", Never: "Never" } as const;
export type DigestReflectionPolicyName = (typeof DigestReflectionPolicy)[keyof typeof DigestReflectionPolicy];

/** Default ImagePolicy `spec.interval` when digests are always reflected. */
export const IMAGE_POLICY_DEFAULT_INTERVAL = "10m";

/** The comment marker naming the policy that updates a field: `# {"$imagepolicy": "<ns>:<name>[:tag|:name|:digest]"}`. */
export const IMAGE_POLICY_SETTER_MARKER = "$imagepolicy";

/** Commit message image-automation-controller uses when `git.commit.messageTemplate` is unset. */
export const DEFAULT_COMMIT_MESSAGE = "Update from image update automation";

/** The only update strategy. */
export const UpdateStrategySetters = "Setters";

/** Commit signing key formats: `gpg` reads `git.asc`, `ssh` reads `identity`. `gpg` if unset. */
export const SigningKeyType = { Gpg: "gpg", Ssh: "ssh" } as const;
export type SigningKeyTypeName = (typeof SigningKeyType)[keyof typeof SigningKeyType];
