// `spec.dependsOn` of a HelmRelease against the embedded API server: dependencies read from the API with
// the API's error in the message, Ready for their generation, `readyExpr` (CEL) replacing or, with
// AdditiveCELDependencyCheck, adding to the built-in check, and a bad expression stalling.

import type { HelmRelease } from "@sluice/api";
import { StallingError, WaitingError } from "@sluice/runtime";
import { type ApiCluster, applyChartCrds, ensureNamespace, startApiCluster } from "@sluice/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { checkDependencies } from "../src/helmrelease/dependencies.js";

const NS = "deps";
let cluster: ApiCluster;

function hr(name: string, spec: Partial<HelmRelease["spec"]> = {}): HelmRelease {
  return {
    apiVersion: "helm.toolkit.fluxcd.io/v2",
    kind: "HelmRelease",
    metadata: { name, namespace: NS },
    spec: { interval: "10m", chartRef: { kind: "HelmChart", name: "c" }, ...spec },
  };
}

beforeAll(async () => {
  cluster = await startApiCluster();
  await applyChartCrds(cluster.client, "helm.");
  await ensureNamespace(cluster.client, NS);
  await cluster.client.create(hr("db", { values: { tier: "data" } }));
  const ready = await cluster.client.create(hr("cache"));
  await cluster.client.patchStatus(
    { apiVersion: ready.apiVersion, kind: "HelmRelease", namespace: NS, name: "cache" },
    {
      status: {
        observedGeneration: ready.metadata.generation,
        conditions: [
          {
            type: "Ready",
            status: "True",
            reason: "InstallSucceeded",
            message: "ok",
            lastTransitionTime: "2025-01-01T00:00:00Z",
          },
        ],
      },
    },
  );
}, 60_000);

afterAll(async () => {
  await cluster?.stop();
});

const check = (dependsOn: NonNullable<HelmRelease["spec"]["dependsOn"]>, additiveCEL = false) =>
  checkDependencies(cluster.client, hr("app", { dependsOn }), { requeueMs: 1000, additiveCEL });

describe("checkDependencies", () => {
  it.each([
    [[{ name: "gone" }], `unable to get '${NS}/gone' dependency: helmreleases.helm.toolkit.fluxcd.io "gone" not found`],
    [[{ name: "cache" }, { name: "db" }], `dependency '${NS}/db' is not ready`],
    [
      [{ name: "cache", readyExpr: "dep.metadata.name == 'other'" }],
      `dependency '${NS}/cache' is not ready according to readyExpr eval`,
    ],
  ])("waits on %j: %s", async (deps, message) => {
    const err = await check(deps).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(WaitingError);
    expect(err).toMatchObject({ reason: "DependencyNotReady", message, notice: message, requeueAfter: 1000 });
  });

  it("lets a readyExpr replace the built-in check, or add to it with AdditiveCELDependencyCheck", async () => {
    const deps = [{ name: "db", readyExpr: "dep.spec.values.tier == 'data' && self.metadata.name == 'app'" }];
    await expect(check([{ name: "cache" }])).resolves.toBeUndefined();
    await expect(check(deps)).resolves.toBeUndefined();
    await expect(check(deps, true)).rejects.toThrow(`dependency '${NS}/db' is not ready`);
  });

  it("stalls on a readyExpr that does not evaluate to a bool", async () => {
    const err = await check([{ name: "db", readyExpr: "dep.metadata.name" }]).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StallingError);
    expect(err).toMatchObject({ reason: "InvalidCELExpression" });
    expect((err as Error).message).toMatch(
      /^Reconciliation failed terminally due to configuration error: failed to evaluate dependency db: /,
    );
  });
});
