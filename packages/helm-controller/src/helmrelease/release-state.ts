// Which action a HelmRelease needs, from Helm's storage and the HelmRelease's status (helm-controller's
// DetermineReleaseState): absent, locked, unmanaged, failed, out-of-sync, untested, or in-sync.

import {
  type HelmRelease,
  type HelmReleaseSnapshot,
  installRemediation,
  snapshotHasTestInPhase,
  upgradeRemediation,
} from "@sluice/api";
import { releaseDigest, type StoredRelease } from "@sluice/helm-storage";
import { valuesDigest } from "../internal/values/index.js";

/** The release states helm-controller acts on. */
export type ReleaseState =
  | { kind: "absent"; reason: string }
  | { kind: "locked"; release: StoredRelease }
  | { kind: "unmanaged"; release: StoredRelease; reason: string }
  | { kind: "failed"; release: StoredRelease; reason: string }
  | { kind: "out-of-sync"; release: StoredRelease; reason: string }
  | { kind: "untested"; release: StoredRelease }
  | { kind: "in-sync"; release: StoredRelease };

/** What the desired release is: the chart version and the values' config digest. */
export interface DesiredRelease {
  chartName: string;
  chartVersion: string;
  configDigest: string;
}

/** Determines the state of the release from its newest stored version and `status.history`. */
export function determineReleaseState(
  hr: HelmRelease,
  latest: StoredRelease | undefined,
  desired: DesiredRelease,
): ReleaseState {
  if (!latest) return { kind: "absent", reason: "no release in storage" };
  const status = latest.info.status;
  if (status === "uninstalled") return { kind: "absent", reason: "release was uninstalled" };
  if (status.startsWith("pending-")) return { kind: "locked", release: latest };
  const current: HelmReleaseSnapshot | undefined = hr.status?.history?.[0];
  if (!current || current.version !== latest.version || current.digest !== releaseDigest(latest)) {
    return { kind: "unmanaged", release: latest, reason: "release not managed by this object or changed outside" };
  }
  if (status === "failed") return { kind: "failed", release: latest, reason: "release is in a failed state" };
  if (latest.chart.metadata.name !== desired.chartName || latest.chart.metadata.version !== desired.chartVersion) {
    return { kind: "out-of-sync", release: latest, reason: "chart changed" };
  }
  if (valuesDigest(latest.config) !== desired.configDigest) {
    return { kind: "out-of-sync", release: latest, reason: "values changed" };
  }
  if (hr.spec.test?.enable) {
    if (current.testHooks === undefined) return { kind: "untested", release: latest };
    const remediation =
      hr.status?.lastAttemptedReleaseAction === "install" ? installRemediation(hr.spec) : upgradeRemediation(hr.spec);
    if (!remediation.ignoreTestFailures && snapshotHasTestInPhase(current, "Failed")) {
      return { kind: "failed", release: latest, reason: "release has failed tests" };
    }
  }
  return { kind: "in-sync", release: latest };
}
