// HelmRelease `status.history` snapshots built from Helm's stored release records, as helm-controller's
// release.ObservedToSnapshot does.

import { CURRENT_SNAPSHOT_API_VERSION, type HelmReleaseSnapshot, type TestHookStatus } from "@sluice/api";
import { releaseDigest, type StoredRelease } from "@sluice/helm-storage";
import { valuesDigest } from "../values/index.js";

function time(t: string | undefined): string {
  if (!t) return new Date(0).toISOString().replace(/\.\d{3}Z$/, "Z");
  const d = new Date(t);
  return Number.isNaN(d.getTime()) ? t : d.toISOString().replace(/\.\d{3}Z$/, "Z");
}

/** The test hooks of a release (hooks with the `test` event) with their last run, by hook name. */
export function testHooksOf(release: StoredRelease): Record<string, TestHookStatus> {
  const out: Record<string, TestHookStatus> = {};
  for (const hook of release.hooks ?? []) {
    if (!(hook.events ?? []).includes("test")) continue;
    const run = hook.last_run ?? {};
    const status: TestHookStatus = {};
    if (run.started_at && !run.started_at.startsWith("0001-")) status.lastStarted = time(run.started_at);
    if (run.completed_at && !run.completed_at.startsWith("0001-")) status.lastCompleted = time(run.completed_at);
    if (run.phase) status.phase = run.phase;
    out[hook.name] = status;
  }
  return out;
}

/**
 * A snapshot of a stored release: digest of the stored record, name, namespace, version, status, chart
 * name/version/appVersion, config digest, first/last deployed and deleted times. `withTests` adds the test
 * hooks' observed state (only after a test run, as helm-controller does).
 */
export function snapshotOf(release: StoredRelease, withTests = false, action?: string): HelmReleaseSnapshot {
  const snapshot: HelmReleaseSnapshot = {
    apiVersion: CURRENT_SNAPSHOT_API_VERSION,
    digest: releaseDigest(release),
    name: release.name,
    namespace: release.namespace,
    version: release.version,
    status: release.info.status,
    chartName: release.chart.metadata.name,
    chartVersion: release.chart.metadata.version,
    configDigest: valuesDigest(release.config),
    firstDeployed: time(release.info.first_deployed),
    lastDeployed: time(release.info.last_deployed),
  };
  if (action) snapshot.action = action;
  if (release.chart.metadata.appVersion) snapshot.appVersion = release.chart.metadata.appVersion;
  if (release.info.deleted && !release.info.deleted.startsWith("0001-")) snapshot.deleted = time(release.info.deleted);
  if (withTests) snapshot.testHooks = testHooksOf(release);
  return snapshot;
}
