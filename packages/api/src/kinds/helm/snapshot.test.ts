import { describe, expect, it } from "vitest";
import {
  fullReleaseName,
  type HelmReleaseSnapshot,
  latestReleaseSnapshot,
  previousReleaseSnapshot,
  snapshotHasBeenTested,
  snapshotHasTestInPhase,
  sortSnapshotsByVersion,
  truncateReleaseSnapshots,
  versionedChartName,
} from "./snapshot.js";

function snap(version: number, status: string, testHooks?: HelmReleaseSnapshot["testHooks"]): HelmReleaseSnapshot {
  const s: HelmReleaseSnapshot = {
    digest: `sha256:${version}`,
    name: "podinfo",
    namespace: "default",
    version,
    status,
    chartName: "podinfo",
    chartVersion: "6.6.1",
    configDigest: "sha256:cfg",
    firstDeployed: "2024-05-07T04:54:21Z",
    lastDeployed: "2024-05-07T04:54:21Z",
  };
  if (testHooks) s.testHooks = testHooks;
  return s;
}

const failedTest = { "podinfo-test": { phase: "Failed" } };

describe("HelmRelease snapshots", () => {
  it("sorts by version, highest first, without modifying the input", () => {
    const input = [snap(1, "superseded"), snap(3, "deployed"), snap(2, "superseded")];
    expect(sortSnapshotsByVersion(input).map((s) => s.version)).toEqual([3, 2, 1]);
    expect(input.map((s) => s.version)).toEqual([1, 3, 2]);
    expect(latestReleaseSnapshot(input)?.version).toBe(3);
    expect(latestReleaseSnapshot([])).toBeUndefined();
  });

  it("finds the previous deployed or superseded release, skipping failed tests unless ignored", () => {
    const list = [snap(4, "failed"), snap(3, "superseded", failedTest), snap(2, "failed"), snap(1, "superseded")];
    expect(previousReleaseSnapshot(list, false)?.version).toBe(1);
    expect(previousReleaseSnapshot(list, true)?.version).toBe(3);
    expect(previousReleaseSnapshot([snap(1, "deployed")], false)).toBeUndefined();
  });

  it("truncates after the previous good release, or to 5 without one", () => {
    const list = [
      snap(5, "failed"),
      snap(4, "failed"),
      snap(3, "superseded"),
      snap(2, "superseded"),
      snap(1, "superseded"),
    ];
    expect(truncateReleaseSnapshots(list, false).map((s) => s.version)).toEqual([5, 4, 3]);
    const failures = [7, 6, 5, 4, 3, 2, 1].map((v) => snap(v, "failed"));
    expect(truncateReleaseSnapshots(failures, false).map((s) => s.version)).toEqual([7, 6, 5, 4, 3]);
    expect(truncateReleaseSnapshots([snap(1, "deployed")], false)).toHaveLength(1);
  });

  it("knows whether tests ran", () => {
    expect(snapshotHasBeenTested(snap(1, "deployed"))).toBe(false);
    expect(snapshotHasBeenTested(snap(1, "deployed", {}))).toBe(true);
    expect(snapshotHasBeenTested(snap(1, "deployed", { a: { phase: "Succeeded" }, b: { phase: "Running" } }))).toBe(
      false,
    );
    expect(snapshotHasBeenTested(snap(1, "deployed", { a: { phase: "Succeeded" }, b: { phase: "Failed" } }))).toBe(
      true,
    );
    expect(snapshotHasBeenTested(snap(1, "deployed", { a: { phase: "Succeeded" } }))).toBe(true);
    expect(snapshotHasTestInPhase(snap(1, "deployed", failedTest), "Failed")).toBe(true);
    expect(snapshotHasTestInPhase(snap(1, "deployed"), "Failed")).toBe(false);
  });

  it("names releases and charts as helm-controller does", () => {
    expect(fullReleaseName(snap(2, "deployed"))).toBe("default/podinfo.v2");
    expect(versionedChartName(snap(2, "deployed"))).toBe("podinfo@6.6.1");
  });
});
