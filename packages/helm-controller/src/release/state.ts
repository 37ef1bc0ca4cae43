// The state of a Helm release compared with its HelmRelease (helm-controller's internal/reconcile/state.go):
// a pure function of the newest stored release and the HelmRelease, plus the drift found in the cluster.

import {
  CURRENT_SNAPSHOT_API_VERSION,
  driftDetectionMode,
  snapshotHasBeenTested,
  snapshotHasTestInPhase,
} from "@sluice/api";
import type { StoredRelease } from "@sluice/helm-storage";
import type { DriftEntry } from "./cluster-state.js";
import { observationDigest } from "./observation-digest.js";
import { activeRemediation } from "./remediation.js";
import { latestSnapshot, type ReleaseRequest } from "./request.js";
import { commonMetadataDigest, postRenderersDigest } from "./summarize.js";

/** The release states helm-controller acts on. */
export const ReleaseStatus = {
  /** No release in storage (or only an uninstalled one). */
  Absent: "Absent",
  /** A release this HelmRelease did not make, or one changed since (digest mismatch). */
  Unmanaged: "Unmanaged",
  /** Chart, values, post-renderers or common metadata changed. */
  OutOfSync: "OutOfSync",
  /** The cluster differs from the release manifest. */
  Drifted: "Drifted",
  /** Left `pending-*` by an interrupted action. */
  Locked: "Locked",
  /** Tests are enabled and have not run for this release. */
  Untested: "Untested",
  InSync: "InSync",
  /** The release failed (or its tests did, when they count). */
  Failed: "Failed",
} as const;
/** One of {@link ReleaseStatus}. */
export type ReleaseStatusName = (typeof ReleaseStatus)[keyof typeof ReleaseStatus];

/** The state of the release, why, and for Drifted the objects that drifted. */
export interface ReleaseState {
  status: ReleaseStatusName;
  reason?: string;
  diff?: DriftEntry[];
}

/** The release state could not be determined (helm-controller's ReleaseStatusUnknown); the message says why. */
export class UnknownReleaseStateError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "UnknownReleaseStateError";
  }
}

/**
 * Determines the state of `latest` (the newest stored version) for `req`: Absent, Locked, Unmanaged (no
 * history, or the current snapshot's digest does not verify), Failed, OutOfSync (chart name or version,
 * config digest, or — for a new generation — post-renderer or common-metadata digest), Untested, Failed
 * (failed tests that count), else InSync. Throws {@link UnknownReleaseStateError} for any other status.
 */
export function determineReleaseState(req: ReleaseRequest, latest: StoredRelease | undefined): ReleaseState {
  const obj = req.object;
  if (!latest) return { status: ReleaseStatus.Absent, reason: "no release in storage for object" };
  const status = latest.info.status;
  if (status.startsWith("pending-")) return { status: ReleaseStatus.Locked, reason: `release with status '${status}'` };
  const cur = latestSnapshot(obj);
  if (!cur) {
    if (status === "uninstalled")
      return { status: ReleaseStatus.Absent, reason: "found uninstalled release in storage" };
    return { status: ReleaseStatus.Unmanaged, reason: "found existing release in storage" };
  }
  if (cur.apiVersion === CURRENT_SNAPSHOT_API_VERSION) {
    if (!/^[a-z0-9]+:[a-f0-9]+$/.test(cur.digest)) {
      return { status: ReleaseStatus.Unmanaged, reason: "release digest verification error" };
    }
    if (observationDigest(latest, cur.ociDigest) !== cur.digest) {
      return { status: ReleaseStatus.Unmanaged, reason: "release not observed to be made for object" };
    }
  }
  switch (status) {
    case "failed":
      return { status: ReleaseStatus.Failed };
    case "uninstalled":
      return { status: ReleaseStatus.Absent, reason: "found uninstalled release in storage" };
    case "deployed":
      break;
    default:
      throw new UnknownReleaseStateError(`unable to determine state for release with status '${status}'`);
  }
  const chart = latest.chart.metadata;
  if (chart.name !== req.chart.name || chart.version !== req.chart.version) {
    return { status: ReleaseStatus.OutOfSync, reason: "release chart changed" };
  }
  if (cur.configDigest !== req.configDigest) {
    return { status: ReleaseStatus.OutOfSync, reason: "release config values changed" };
  }
  if (obj.status?.observedGeneration !== obj.metadata.generation) {
    const postRenderers = obj.spec.postRenderers ? postRenderersDigest(obj.spec.postRenderers) : undefined;
    if (postRenderers !== obj.status?.observedPostRenderersDigest) {
      return { status: ReleaseStatus.OutOfSync, reason: "postrenderers digest has changed" };
    }
    const commonMetadata = obj.spec.commonMetadata ? commonMetadataDigest(obj.spec.commonMetadata) : undefined;
    if (commonMetadata !== obj.status?.observedCommonMetadataDigest) {
      return { status: ReleaseStatus.OutOfSync, reason: "common metadata digest has changed" };
    }
  }
  if (obj.spec.test?.enable) {
    if (!snapshotHasBeenTested(cur)) return { status: ReleaseStatus.Untested };
    const remediation = activeRemediation(obj);
    if (remediation && !remediation.ignoreTestFailures && snapshotHasTestInPhase(cur, "Failed")) {
      return { status: ReleaseStatus.Failed, reason: "release has test in failed phase" };
    }
  }
  return { status: ReleaseStatus.InSync };
}

/** Whether an InSync release's cluster state must be compared (`spec.driftDetection.mode` enabled or warn). */
export function mustDetectDrift(req: ReleaseRequest, state: ReleaseState): boolean {
  return state.status === ReleaseStatus.InSync && driftDetectionMode(req.object.spec) !== "disabled";
}

/** The state once the cluster was compared: Drifted when some object was removed or changed. */
export function withDrift(state: ReleaseState, diff: readonly DriftEntry[]): ReleaseState {
  if (state.status !== ReleaseStatus.InSync || !diff.some((d) => d.type !== "exclude")) return state;
  return { status: ReleaseStatus.Drifted, diff: [...diff] };
}
