// HelmRelease `status.history` snapshots built from Helm's stored release records, as helm-controller's
// release.ObservedToSnapshot and TestHooksFromRelease do.

import {
  CURRENT_SNAPSHOT_API_VERSION,
  type HelmReleaseSnapshot,
  type HelmTestFilter,
  type TestHookStatus,
} from "@sluice/api";
import type { StoredRelease } from "@sluice/helm-storage";
import { valuesDigest } from "../internal/values/index.js";
import { observationDigest } from "./observation-digest.js";

function time(t: string | undefined): string {
  if (!t) return new Date(0).toISOString().replace(/\.\d{3}Z$/, "Z");
  const d = new Date(t);
  return Number.isNaN(d.getTime()) ? t : d.toISOString().replace(/\.\d{3}Z$/, "Z");
}

function isSet(t: string | undefined): t is string {
  return t !== undefined && t !== "" && !t.startsWith("0001-");
}

/** Whether `spec.test.filters` select the test named `name` (excludes win; with includes, only those). */
export function testSelected(name: string, filters: readonly HelmTestFilter[] = []): boolean {
  let hasInclude = false;
  let included = false;
  for (const f of filters) {
    if (f.exclude) {
      if (f.name === name) return false;
      continue;
    }
    hasInclude = true;
    if (f.name === name) included = true;
  }
  return !hasInclude || included;
}

/** The test hooks of a release (hooks with the `test` event) selected by `filters`, with their last run. */
export function testHooksOf(
  release: StoredRelease,
  filters: readonly HelmTestFilter[] = [],
): Record<string, TestHookStatus> {
  const out: Record<string, TestHookStatus> = {};
  for (const hook of release.hooks ?? []) {
    if (!(hook.events ?? []).includes("test") || !testSelected(hook.name, filters)) continue;
    const run = hook.last_run ?? {};
    const status: TestHookStatus = {};
    if (isSet(run.started_at)) status.lastStarted = time(run.started_at);
    if (isSet(run.completed_at)) status.lastCompleted = time(run.completed_at);
    if (run.phase) status.phase = run.phase;
    out[hook.name] = status;
  }
  return out;
}

/** What a snapshot records besides the stored release. */
export interface SnapshotOptions {
  /** The action that produced or last touched the release (`install`, `upgrade`, `rollback`, …). */
  action?: string | undefined;
  /** Digest of the OCI artifact the chart came from (`status.lastAttemptedRevisionDigest`). */
  ociDigest?: string | undefined;
  /** Observed test hooks (set only once tests ran, as helm-controller does). */
  testHooks?: Record<string, TestHookStatus> | undefined;
}

/**
 * A snapshot of a stored release: the observation digest, name, namespace, version, status, chart
 * name/version/appVersion, config digest, first/last deployed and deleted times, plus `options`.
 */
export function snapshotOf(release: StoredRelease, options: SnapshotOptions = {}): HelmReleaseSnapshot {
  const snapshot: HelmReleaseSnapshot = {
    apiVersion: CURRENT_SNAPSHOT_API_VERSION,
    digest: observationDigest(release, options.ociDigest),
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
  if (options.action) snapshot.action = options.action;
  if (release.chart.metadata.appVersion) snapshot.appVersion = release.chart.metadata.appVersion;
  if (isSet(release.info.deleted)) snapshot.deleted = time(release.info.deleted);
  if (options.testHooks) snapshot.testHooks = options.testHooks;
  if (options.ociDigest) snapshot.ociDigest = options.ociDigest;
  return snapshot;
}

/** Whether `snapshot` is the record of `release` (same name, namespace and version). */
export function targets(snapshot: Pick<HelmReleaseSnapshot, "name" | "namespace" | "version">, release: StoredRelease) {
  return (
    snapshot.name === release.name && snapshot.namespace === release.namespace && snapshot.version === release.version
  );
}
