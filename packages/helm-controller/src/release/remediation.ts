// The retry and remediation settings in force for a HelmRelease, as helm-controller's GetActiveRemediation
// and GetActiveRetry pick them: those of the last attempted release action (install or upgrade).

import {
  actionStrategy,
  type HelmRelease,
  installRemediation,
  RemediationStrategy,
  type ResolvedRemediation,
  retriesExhausted,
  upgradeRemediation,
} from "@sluice/api";
import { statusOf } from "./request.js";

/** The remediation of one action with its failure counter (`installFailures` or `upgradeFailures`). */
export interface Remediation extends ResolvedRemediation {
  action: "install" | "upgrade";
  /** The action's failure counter. */
  failureCount(obj: HelmRelease): number;
  incrementFailureCount(obj: HelmRelease): void;
  /** More failures than `retries` (never for negative retries). */
  retriesExhausted(obj: HelmRelease): boolean;
  /** An upgrade remediated by uninstalling (after which the release is installed again). */
  isUninstallAfterUpgrade: boolean;
}

function remediationOf(obj: HelmRelease, action: "install" | "upgrade"): Remediation {
  const resolved = action === "install" ? installRemediation(obj.spec) : upgradeRemediation(obj.spec);
  const key = action === "install" ? "installFailures" : "upgradeFailures";
  return {
    ...resolved,
    action,
    failureCount: (o) => o.status?.[key] ?? 0,
    incrementFailureCount: (o) => {
      const status = statusOf(o);
      status[key] = (status[key] ?? 0) + 1;
    },
    retriesExhausted: (o) => retriesExhausted(resolved, o.status?.[key] ?? 0),
    isUninstallAfterUpgrade: action === "upgrade" && resolved.strategy === RemediationStrategy.Uninstall,
  };
}

/** `spec.install.remediation` with defaults. */
export function installRemediationOf(obj: HelmRelease): Remediation {
  return remediationOf(obj, "install");
}

/** `spec.upgrade.remediation` with defaults. */
export function upgradeRemediationOf(obj: HelmRelease): Remediation {
  return remediationOf(obj, "upgrade");
}

/** The remediation of `status.lastAttemptedReleaseAction`, or undefined before any install or upgrade. */
export function activeRemediation(obj: HelmRelease): Remediation | undefined {
  const action = obj.status?.lastAttemptedReleaseAction;
  return action === "install" || action === "upgrade" ? remediationOf(obj, action) : undefined;
}

/** A RetryOnFailure strategy in force: failed releases are upgraded again after `retryIntervalMs`. */
export interface Retry {
  retryIntervalMs: number;
}

/** The RetryOnFailure strategy of `action` (or the DefaultToRetryOnFailure default), if any. */
export function retryOf(obj: HelmRelease, action: "install" | "upgrade", defaultToRetryOnFailure: boolean) {
  const strategy = actionStrategy(action === "install" ? obj.spec.install : obj.spec.upgrade, defaultToRetryOnFailure);
  return strategy.name === "RetryOnFailure" ? { retryIntervalMs: strategy.retryIntervalMs } : undefined;
}

/** The retry strategy of `status.lastAttemptedReleaseAction`, if it is RetryOnFailure. */
export function activeRetry(obj: HelmRelease, defaultToRetryOnFailure: boolean): Retry | undefined {
  const action = obj.status?.lastAttemptedReleaseAction;
  return action === "install" || action === "upgrade" ? retryOf(obj, action, defaultToRetryOnFailure) : undefined;
}
