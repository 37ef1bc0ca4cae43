// checkDependencies against the embedded API server: Flux's readiness rules, the same-source revision rule
// and `readyExpr` CEL checks.

import type { Artifact } from "@sluice/api";
import { StallingError, type UnstructuredObject, WaitingError } from "@sluice/runtime";
import { type ApiCluster, applyChartCrds, ensureNamespace, startApiCluster } from "@sluice/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { checkDependencies } from "../src/kustomization/dependencies.js";

const NS = "deps";
const API = "kustomize.toolkit.fluxcd.io/v1";
let cluster: ApiCluster;

const artifact = (revision: string): Artifact =>
  ({ path: "x", url: "http://x", revision, digest: "sha256:00", lastUpdateTime: "2024-01-01T00:00:00Z" }) as Artifact;

async function kustomization(
  name: string,
  spec: Record<string, unknown>,
  status?: { ready: boolean; revision?: string; observed?: boolean },
) {
  const created = await cluster.client.create<UnstructuredObject>({
    apiVersion: API,
    kind: "Kustomization",
    metadata: { namespace: NS, name },
    spec: { interval: "1m", prune: true, sourceRef: { kind: "GitRepository", name: "app" }, ...spec },
  });
  if (status) {
    await cluster.client.patch(
      { apiVersion: API, kind: "Kustomization", namespace: NS, name },
      {
        status: {
          observedGeneration: status.observed === false ? 0 : created.metadata.generation,
          lastAppliedRevision: status.revision,
          conditions: [
            {
              type: "Ready",
              status: status.ready ? "True" : "False",
              reason: status.ready ? "ReconciliationSucceeded" : "ReconciliationFailed",
              message: "m",
              lastTransitionTime: "2024-01-01T00:00:00Z",
            },
          ],
        },
      },
      { type: "application/merge-patch+json", subresource: "status" },
    );
  }
  return cluster.client.get<UnstructuredObject>({ apiVersion: API, kind: "Kustomization", namespace: NS, name });
}

beforeAll(async () => {
  cluster = await startApiCluster();
  await applyChartCrds(cluster.client, "kustomize.toolkit.fluxcd.io_");
  await ensureNamespace(cluster.client, NS);
  await kustomization("ready-same-rev", {}, { ready: true, revision: "main@sha1:aaa" });
  await kustomization("ready-old-rev", {}, { ready: true, revision: "main@sha1:old" });
  await kustomization(
    "ready-other-source",
    { sourceRef: { kind: "GitRepository", name: "other" } },
    { ready: true, revision: "main@sha1:zzz" },
  );
  await kustomization("not-ready", {}, { ready: false });
  await kustomization("stale-generation", {}, { ready: true, revision: "main@sha1:aaa", observed: false });
}, 60_000);
afterAll(async () => cluster?.stop());

const self = (dependsOn: Record<string, string>[]) =>
  ({
    apiVersion: API,
    kind: "Kustomization",
    metadata: { namespace: NS, name: "self" },
    spec: { interval: "1m", prune: true, sourceRef: { kind: "GitRepository", name: "app" }, dependsOn },
  }) as never;

describe("checkDependencies", () => {
  it.each([
    ["ready-same-rev", undefined],
    ["ready-other-source", undefined],
    ["ready-old-rev", `dependency '${NS}/ready-old-rev' revision is not up to date`],
    ["not-ready", `dependency '${NS}/not-ready' is not ready`],
    ["stale-generation", `dependency '${NS}/stale-generation' is not ready`],
    ["missing", `dependency '${NS}/missing' not found`],
  ])("%s → %s", async (name, error) => {
    const check = checkDependencies(cluster.client, self([{ name }]), artifact("main@sha1:aaa"), 30_000);
    if (error === undefined) await expect(check).resolves.toBeUndefined();
    else {
      await expect(check).rejects.toThrow(WaitingError);
      await expect(
        checkDependencies(cluster.client, self([{ name }]), artifact("main@sha1:aaa"), 30_000),
      ).rejects.toThrow(error);
    }
  });

  it("readyExpr replaces the built-in check", async () => {
    const ok = self([
      { name: "not-ready", readyExpr: "dep.metadata.name == 'not-ready' && self.metadata.name == 'self'" },
    ]);
    await expect(checkDependencies(cluster.client, ok, artifact("main@sha1:aaa"), 30_000)).resolves.toBeUndefined();
    const no = self([{ name: "ready-same-rev", readyExpr: "dep.spec.prune == false" }]);
    await expect(checkDependencies(cluster.client, no, artifact("main@sha1:aaa"), 30_000)).rejects.toThrow(
      `dependency '${NS}/ready-same-rev' is not ready according to readyExpr eval`,
    );
  });

  it("an invalid readyExpr is a configuration error", async () => {
    const bad = self([{ name: "ready-same-rev", readyExpr: "dep.metadata.name ==" }]);
    const check = checkDependencies(cluster.client, bad, artifact("main@sha1:aaa"), 30_000);
    await expect(check).rejects.toThrow(StallingError);
    await expect(checkDependencies(cluster.client, bad, artifact("main@sha1:aaa"), 30_000)).rejects.toThrow(
      /^Reconciliation failed terminally due to configuration error: failed to evaluate dependency ready-same-rev: /,
    );
  });
});
