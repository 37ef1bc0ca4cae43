import { parseDuration } from "../../meta/duration.js";
import {
  type ActionStrategyName,
  type DriftDetectionModeName,
  RemediationStrategy,
  type RemediationStrategyName,
} from "./constants.js";
import type { HelmReleaseSpec } from "./helm-release.js";
import { HELM_DEFAULT_MAX_HISTORY } from "./snapshot.js";

// The defaults helm-controller applies in code (not in the CRD) when a HelmRelease field is unset.

/** Default `spec.timeout` of Helm actions (5m). */
export const HELM_DEFAULT_TIMEOUT = "5m0s";
/** Default retry interval of the RetryOnFailure strategy (5m). */
export const HELM_DEFAULT_RETRY_INTERVAL = "5m0s";

interface Named {
  metadata: { name?: string | undefined; namespace?: string | undefined };
}

/** Namespace the release is installed into: `spec.targetNamespace`, else the HelmRelease's namespace. */
export function releaseNamespace(hr: Named & { spec: Pick<HelmReleaseSpec, "targetNamespace"> }): string {
  return hr.spec.targetNamespace ?? hr.metadata.namespace ?? "";
}

/** Namespace of Helm's release storage: `spec.storageNamespace`, else the HelmRelease's namespace. */
export function storageNamespace(hr: Named & { spec: Pick<HelmReleaseSpec, "storageNamespace"> }): string {
  return hr.spec.storageNamespace ?? hr.metadata.namespace ?? "";
}

/** Name of the HelmChart created for `spec.chart`: `<HelmRelease namespace>-<HelmRelease name>`. */
export function helmChartName(hr: Named): string {
  return `${hr.metadata.namespace ?? ""}-${hr.metadata.name ?? ""}`;
}

/** Namespace of the HelmChart created for `spec.chart`: the sourceRef's, else the HelmRelease's. */
export function helmChartNamespace(hr: Named & { spec: Pick<HelmReleaseSpec, "chart"> }): string {
  return hr.spec.chart?.spec.sourceRef.namespace ?? hr.metadata.namespace ?? "";
}

/** `spec.timeout` in milliseconds, 5 minutes if unset. */
export function helmReleaseTimeoutMs(spec: Pick<HelmReleaseSpec, "timeout">): number {
  return parseDuration(spec.timeout ?? HELM_DEFAULT_TIMEOUT);
}

/** `spec.maxHistory`, 5 if unset (0 means unlimited). */
export function helmReleaseMaxHistory(spec: Pick<HelmReleaseSpec, "maxHistory">): number {
  return spec.maxHistory ?? HELM_DEFAULT_MAX_HISTORY;
}

/** `spec.persistentClient`, true if unset. */
export function helmReleasePersistentClient(spec: Pick<HelmReleaseSpec, "persistentClient">): boolean {
  return spec.persistentClient ?? true;
}

/** `spec.driftDetection.mode`, `disabled` if unset. */
export function driftDetectionMode(spec: Pick<HelmReleaseSpec, "driftDetection">): DriftDetectionModeName {
  return spec.driftDetection?.mode ?? "disabled";
}

/** The remediation settings of one action, with helm-controller's defaults resolved. */
export interface ResolvedRemediation {
  /** Retries before giving up; negative means unlimited. */
  retries: number;
  ignoreTestFailures: boolean;
  remediateLastFailure: boolean;
  strategy: RemediationStrategyName;
}

/**
 * Install remediation with defaults: 0 retries, ignoreTestFailures from `spec.test.ignoreFailures`,
 * remediateLastFailure false, and always uninstall.
 */
export function installRemediation(spec: Pick<HelmReleaseSpec, "install" | "test">): ResolvedRemediation {
  const r = spec.install?.remediation;
  return {
    retries: r?.retries ?? 0,
    ignoreTestFailures: r?.ignoreTestFailures ?? spec.test?.ignoreFailures ?? false,
    remediateLastFailure: r?.remediateLastFailure ?? false,
    strategy: RemediationStrategy.Uninstall,
  };
}

/**
 * Upgrade remediation with defaults: 0 retries, ignoreTestFailures from `spec.test.ignoreFailures`,
 * remediateLastFailure true only when retries > 0, strategy rollback.
 */
export function upgradeRemediation(spec: Pick<HelmReleaseSpec, "upgrade" | "test">): ResolvedRemediation {
  const r = spec.upgrade?.remediation;
  const retries = r?.retries ?? 0;
  return {
    retries,
    ignoreTestFailures: r?.ignoreTestFailures ?? spec.test?.ignoreFailures ?? false,
    remediateLastFailure: r?.remediateLastFailure ?? retries > 0,
    strategy: r?.strategy ?? RemediationStrategy.Rollback,
  };
}

/** Whether the failure count exceeds the allowed retries (never, for negative retries). */
export function retriesExhausted(remediation: Pick<ResolvedRemediation, "retries">, failures: number): boolean {
  return remediation.retries >= 0 && failures > remediation.retries;
}

/**
 * The retry strategy of an action: its configured strategy name, or `RetryOnFailure` when unset and
 * `defaultToRetryOnFailure` (helm-controller's DefaultToRetryOnFailure feature gate), else
 * `RemediateOnFailure`; with the retry interval (5m if unset).
 */
export function actionStrategy(
  action: { strategy?: { name: ActionStrategyName; retryInterval?: string } } | undefined,
  defaultToRetryOnFailure = false,
): { name: ActionStrategyName; retryIntervalMs: number } {
  const name = action?.strategy?.name ?? (defaultToRetryOnFailure ? "RetryOnFailure" : "RemediateOnFailure");
  return { name, retryIntervalMs: parseDuration(action?.strategy?.retryInterval ?? HELM_DEFAULT_RETRY_INTERVAL) };
}
