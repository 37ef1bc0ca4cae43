import { type Static, Type } from "@sinclair/typebox";
import { Duration } from "../../meta/duration.js";
import { StringEnum } from "../../meta/schema-helpers.js";

// Configuration of the Helm actions a HelmRelease performs: install, upgrade, test, rollback and
// uninstall, with the retry strategies and remediation of failed installs and upgrades.

const STRATEGY_NAMES = ["RemediateOnFailure", "RetryOnFailure"] as const;
const CRDS_POLICIES = ["Skip", "Create", "CreateReplace"] as const;
const SERVER_SIDE_APPLY_MODES = ["enabled", "disabled", "auto"] as const;

/** `spec.install.strategy`: what to do after a failed install. */
export const HelmInstallStrategySchema = Type.Object(
  {
    name: StringEnum(STRATEGY_NAMES, { description: "Strategy after a failed install." }),
    retryInterval: Type.Optional(
      Duration({ description: "Delay between retries (RetryOnFailure only); 5m if unset." }),
    ),
  },
  {
    description: "Install strategy.",
    "x-kubernetes-validations": [
      {
        rule: "!has(self.retryInterval) || self.name != 'RemediateOnFailure'",
        message: ".retryInterval cannot be set when .name is 'RemediateOnFailure'",
      },
    ],
  },
);
/** `spec.install.strategy`. */
export type HelmInstallStrategy = Static<typeof HelmInstallStrategySchema>;

/** `spec.upgrade.strategy`: what to do after a failed upgrade. */
export const HelmUpgradeStrategySchema = Type.Object(
  {
    name: StringEnum(STRATEGY_NAMES, { description: "Strategy after a failed upgrade." }),
    retryInterval: Type.Optional(
      Duration({ description: "Delay between retries (RetryOnFailure only); 5m if unset." }),
    ),
  },
  {
    description: "Upgrade strategy.",
    "x-kubernetes-validations": [
      {
        rule: "!has(self.retryInterval) || self.name == 'RetryOnFailure'",
        message: ".retryInterval can only be set when .name is 'RetryOnFailure'",
      },
    ],
  },
);
/** `spec.upgrade.strategy`. */
export type HelmUpgradeStrategy = Static<typeof HelmUpgradeStrategySchema>;

/** `spec.install.remediation`: retries of a failed install, uninstalling in between. */
export const HelmInstallRemediationSchema = Type.Object(
  {
    retries: Type.Optional(
      Type.Integer({ description: "Retries before giving up; 0 if unset, negative for unlimited." }),
    ),
    ignoreTestFailures: Type.Optional(
      Type.Boolean({ description: "Do not remediate failed tests after install; test.ignoreFailures if unset." }),
    ),
    remediateLastFailure: Type.Optional(
      Type.Boolean({ description: "Remediate the last failure once retries are exhausted; false if unset." }),
    ),
  },
  { description: "Remediation of failed installs." },
);
/** `spec.install.remediation`. */
export type HelmInstallRemediation = Static<typeof HelmInstallRemediationSchema>;

/** `spec.upgrade.remediation`: retries of a failed upgrade, rolling back or uninstalling in between. */
export const HelmUpgradeRemediationSchema = Type.Object(
  {
    retries: Type.Optional(
      Type.Integer({ description: "Retries before giving up; 0 if unset, negative for unlimited." }),
    ),
    ignoreTestFailures: Type.Optional(
      Type.Boolean({ description: "Do not remediate failed tests after upgrade; test.ignoreFailures if unset." }),
    ),
    remediateLastFailure: Type.Optional(
      Type.Boolean({ description: "Remediate the last failure once retries are exhausted; true if retries > 0." }),
    ),
    strategy: Type.Optional(
      StringEnum(["rollback", "uninstall"] as const, { description: "How to remediate; rollback if unset." }),
    ),
  },
  { description: "Remediation of failed upgrades." },
);
/** `spec.upgrade.remediation`. */
export type HelmUpgradeRemediation = Static<typeof HelmUpgradeRemediationSchema>;

/** The options `spec.install` and `spec.upgrade` share (a fresh object each call: TypeBox schemas are values). */
function installUpgradeCommonFields() {
  return {
    disableTakeOwnership: Type.Optional(Type.Boolean({ description: "Do not adopt existing objects." })),
    disableWait: Type.Optional(Type.Boolean({ description: "Do not wait for objects to be ready." })),
    disableWaitForJobs: Type.Optional(Type.Boolean({ description: "Do not wait for Jobs to complete." })),
    disableHooks: Type.Optional(Type.Boolean({ description: "Do not run hooks." })),
    disableOpenAPIValidation: Type.Optional(
      Type.Boolean({ description: "Do not validate rendered objects against the OpenAPI schema." }),
    ),
    disableSchemaValidation: Type.Optional(
      Type.Boolean({ description: "Do not validate values against the chart's JSON schema." }),
    ),
  };
}

/** `spec.install`: Helm install options. */
export const HelmInstallSchema = Type.Object(
  {
    timeout: Type.Optional(Duration({ description: "Per-operation timeout; spec.timeout if unset." })),
    strategy: Type.Optional(HelmInstallStrategySchema),
    remediation: Type.Optional(HelmInstallRemediationSchema),
    ...installUpgradeCommonFields(),
    replace: Type.Optional(Type.Boolean({ description: "Reuse the name of a deleted release kept in history." })),
    skipCRDs: Type.Optional(Type.Boolean({ description: "Deprecated: use crds: Skip." })),
    crds: Type.Optional(
      StringEnum(CRDS_POLICIES, { description: "How to handle the chart's CRDs on install; Create if unset." }),
    ),
    createNamespace: Type.Optional(Type.Boolean({ description: "Create the target namespace if missing." })),
    serverSideApply: Type.Optional(Type.Boolean({ description: "Apply objects server-side; true if unset." })),
  },
  { description: "Helm install options." },
);
/** `spec.install`. */
export type HelmInstall = Static<typeof HelmInstallSchema>;

/** `spec.upgrade`: Helm upgrade options. */
export const HelmUpgradeSchema = Type.Object(
  {
    timeout: Type.Optional(Duration({ description: "Per-operation timeout; spec.timeout if unset." })),
    strategy: Type.Optional(HelmUpgradeStrategySchema),
    remediation: Type.Optional(HelmUpgradeRemediationSchema),
    ...installUpgradeCommonFields(),
    force: Type.Optional(Type.Boolean({ description: "Replace objects instead of patching (client-side apply)." })),
    preserveValues: Type.Optional(Type.Boolean({ description: "Reuse the last release's values, merging overrides." })),
    cleanupOnFail: Type.Optional(Type.Boolean({ description: "Delete objects created by a failed upgrade." })),
    crds: Type.Optional(
      StringEnum(CRDS_POLICIES, { description: "How to handle the chart's CRDs on upgrade; Skip if unset." }),
    ),
    serverSideApply: Type.Optional(
      StringEnum(SERVER_SIDE_APPLY_MODES, { description: "Server-side apply mode; auto follows the last release." }),
    ),
    chartNameChangeStrategy: Type.Optional(
      StringEnum(["InPlaceUpdate", "Reinstall"] as const, {
        description: "What to do when the chart name changes; Reinstall if unset.",
      }),
    ),
  },
  { description: "Helm upgrade options." },
);
/** `spec.upgrade`. */
export type HelmUpgrade = Static<typeof HelmUpgradeSchema>;

/** A test to run or exclude. */
export const HelmTestFilterSchema = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 253, description: "Name of the test." }),
    exclude: Type.Optional(Type.Boolean({ description: "Exclude the test instead of selecting it." })),
  },
  { description: "Helm test filter." },
);
/** A `test.filters` entry. */
export type HelmTestFilter = Static<typeof HelmTestFilterSchema>;

/** `spec.test`: Helm test options. */
export const HelmTestSchema = Type.Object(
  {
    enable: Type.Optional(Type.Boolean({ description: "Run Helm tests after install and upgrade." })),
    timeout: Type.Optional(Duration({ description: "Per-operation timeout; spec.timeout if unset." })),
    ignoreFailures: Type.Optional(Type.Boolean({ description: "Do not remediate when tests fail." })),
    filters: Type.Optional(Type.Array(HelmTestFilterSchema, { description: "Tests to run or exclude." })),
  },
  { description: "Helm test options." },
);
/** `spec.test`. */
export type HelmTest = Static<typeof HelmTestSchema>;

/** `spec.rollback`: Helm rollback options. */
export const HelmRollbackSchema = Type.Object(
  {
    timeout: Type.Optional(Duration({ description: "Per-operation timeout; spec.timeout if unset." })),
    disableWait: Type.Optional(Type.Boolean({ description: "Do not wait for objects to be ready." })),
    disableWaitForJobs: Type.Optional(Type.Boolean({ description: "Do not wait for Jobs to complete." })),
    disableHooks: Type.Optional(Type.Boolean({ description: "Do not run hooks." })),
    recreate: Type.Optional(Type.Boolean({ description: "Deprecated and without effect with Helm 4." })),
    force: Type.Optional(Type.Boolean({ description: "Replace objects instead of patching (client-side apply)." })),
    cleanupOnFail: Type.Optional(Type.Boolean({ description: "Delete objects created by a failed rollback." })),
    serverSideApply: Type.Optional(
      StringEnum(SERVER_SIDE_APPLY_MODES, { description: "Server-side apply mode; auto follows the last release." }),
    ),
  },
  { description: "Helm rollback options." },
);
/** `spec.rollback`. */
export type HelmRollback = Static<typeof HelmRollbackSchema>;

/** `spec.uninstall`: Helm uninstall options. */
export const HelmUninstallSchema = Type.Object(
  {
    timeout: Type.Optional(Duration({ description: "Per-operation timeout; spec.timeout if unset." })),
    disableHooks: Type.Optional(Type.Boolean({ description: "Do not run hooks." })),
    keepHistory: Type.Optional(Type.Boolean({ description: "Keep the release history, marking it deleted." })),
    disableWait: Type.Optional(Type.Boolean({ description: "Do not wait for objects to be deleted." })),
    deletionPropagation: Type.Optional(
      StringEnum(["background", "foreground", "orphan"] as const, {
        default: "background",
        description: "Deletion propagation policy for the release's objects.",
      }),
    ),
  },
  { description: "Helm uninstall options." },
);
/** `spec.uninstall`. */
export type HelmUninstall = Static<typeof HelmUninstallSchema>;
