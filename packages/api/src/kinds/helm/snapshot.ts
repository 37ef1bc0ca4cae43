import { type Static, Type } from "@sinclair/typebox";

// HelmRelease `status.history`: snapshots of the Helm releases helm-controller made, newest version first,
// with the rules helm-controller uses to find the previous good release and to trim the list.

/** How many snapshots are kept when none is a previous deployed release. */
export const HELM_DEFAULT_MAX_HISTORY = 5;

/** Status of a test hook as helm-controller observed it. */
export const TestHookStatusSchema = Type.Object(
  {
    lastStarted: Type.Optional(Type.String({ format: "date-time", description: "When the test last started." })),
    lastCompleted: Type.Optional(Type.String({ format: "date-time", description: "When the test last completed." })),
    phase: Type.Optional(Type.String({ description: "Phase the test was observed in (Succeeded, Failed, …)." })),
  },
  { description: "Observed state of one Helm test hook." },
);
/** A test hook status. */
export type TestHookStatus = Static<typeof TestHookStatusSchema>;

/** A snapshot of one Helm release (a version of the release object in Helm storage). */
export const HelmReleaseSnapshotSchema = Type.Object(
  {
    apiVersion: Type.Optional(Type.String({ description: "Version of the digest calculation scheme." })),
    digest: Type.String({ description: "Checksum '<algo>:<hex>' of the release object in storage." }),
    name: Type.String({ description: "Release name." }),
    namespace: Type.String({ description: "Namespace the release is deployed to." }),
    version: Type.Integer({ description: "Release version in storage." }),
    status: Type.String({ description: "Helm status of the release (deployed, superseded, failed, …)." }),
    action: Type.Optional(Type.String({ description: "Action that produced the release." })),
    chartName: Type.String({ description: "Chart name." }),
    chartVersion: Type.String({ description: "Chart version." }),
    appVersion: Type.Optional(Type.String({ description: "Chart appVersion." })),
    configDigest: Type.String({ description: "Checksum '<algo>:<hex>' of the release values." }),
    firstDeployed: Type.String({ format: "date-time", description: "When the release was first deployed." }),
    lastDeployed: Type.String({ format: "date-time", description: "When the release was last deployed." }),
    deleted: Type.Optional(Type.String({ format: "date-time", description: "When the release was deleted." })),
    testHooks: Type.Optional(
      Type.Unsafe<Record<string, TestHookStatus>>({
        type: "object",
        additionalProperties: TestHookStatusSchema,
        description: "Test hooks observed to run for the release, by name.",
      }),
    ),
    ociDigest: Type.Optional(Type.String({ description: "Digest of the OCI artifact the chart came from." })),
  },
  { description: "Point-in-time record of a Helm release." },
);
/** A `status.history` entry of a HelmRelease. */
export type HelmReleaseSnapshot = Static<typeof HelmReleaseSnapshotSchema>;

const DEPLOYED = "deployed";
const SUPERSEDED = "superseded";
const TEST_FAILED = "Failed";
const TEST_SUCCEEDED = "Succeeded";

/** The snapshots sorted by release version, highest first (a new array). */
export function sortSnapshotsByVersion(snapshots: readonly HelmReleaseSnapshot[]): HelmReleaseSnapshot[] {
  return [...snapshots].sort((a, b) => b.version - a.version);
}

/** The snapshot with the highest release version, or undefined. */
export function latestReleaseSnapshot(snapshots: readonly HelmReleaseSnapshot[]): HelmReleaseSnapshot | undefined {
  return sortSnapshotsByVersion(snapshots)[0];
}

/** Whether any test hook of the snapshot is in `phase` (e.g. `Failed`). */
export function snapshotHasTestInPhase(snapshot: HelmReleaseSnapshot, phase: string): boolean {
  return Object.values(snapshot.testHooks ?? {}).some((h) => h?.phase === phase);
}

/**
 * Whether test results were observed: an empty map (no tests selected) counts, as does any failed test;
 * otherwise every test must have succeeded.
 */
export function snapshotHasBeenTested(snapshot: HelmReleaseSnapshot): boolean {
  if (snapshot.testHooks === undefined) return false;
  const hooks = Object.values(snapshot.testHooks);
  if (hooks.length === 0) return true;
  if (hooks.some((h) => h?.phase === TEST_FAILED)) return true;
  return hooks.every((h) => h?.phase === TEST_SUCCEEDED);
}

function isGoodPrevious(s: HelmReleaseSnapshot, ignoreTests: boolean): boolean {
  return (s.status === DEPLOYED || s.status === SUPERSEDED) && (ignoreTests || !snapshotHasTestInPhase(s, TEST_FAILED));
}

/**
 * The newest snapshot before the latest one that is deployed or superseded (and, unless `ignoreTests`,
 * has no failed test): the release a rollback returns to.
 */
export function previousReleaseSnapshot(
  snapshots: readonly HelmReleaseSnapshot[],
  ignoreTests: boolean,
): HelmReleaseSnapshot | undefined {
  return sortSnapshotsByVersion(snapshots)
    .slice(1)
    .find((s) => isGoodPrevious(s, ignoreTests));
}

/**
 * Trims the history as helm-controller does after a release: keeps everything up to and including the
 * previous good release; without one, keeps the {@link HELM_DEFAULT_MAX_HISTORY} newest snapshots.
 * Returns a new array sorted by version, highest first.
 */
export function truncateReleaseSnapshots(
  snapshots: readonly HelmReleaseSnapshot[],
  ignoreTests: boolean,
): HelmReleaseSnapshot[] {
  const sorted = sortSnapshotsByVersion(snapshots);
  if (sorted.length < 2) return sorted;
  const at = sorted.findIndex((s, i) => i > 0 && isGoodPrevious(s, ignoreTests));
  if (at > 0) return sorted.slice(0, at + 1);
  return sorted.slice(0, HELM_DEFAULT_MAX_HISTORY);
}

/** `<namespace>/<name>.v<version>`, as helm-controller names a release in messages. */
export function fullReleaseName(snapshot: Pick<HelmReleaseSnapshot, "namespace" | "name" | "version">): string {
  return `${snapshot.namespace}/${snapshot.name}.v${snapshot.version}`;
}

/** `<chartName>@<chartVersion>`. */
export function versionedChartName(snapshot: Pick<HelmReleaseSnapshot, "chartName" | "chartVersion">): string {
  return `${snapshot.chartName}@${snapshot.chartVersion}`;
}
