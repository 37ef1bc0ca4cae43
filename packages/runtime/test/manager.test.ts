import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DONE, resourceVersionChanged } from "../src/controller/index.js";
import { KubeClient, type UnstructuredObject } from "../src/kube/index.js";
import { Manager } from "../src/manager/index.js";
import { MetricsRecorder } from "../src/metrics/index.js";
import { startTestCluster, type TestCluster, uniqueSuffix } from "./support/test-cluster.js";

async function until(check: () => boolean, what: string, ms = 15_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe("Manager against an API server", () => {
  let cluster: TestCluster;
  let client: KubeClient;
  const ns = `manager-${uniqueSuffix()}`;

  beforeAll(async () => {
    cluster = await startTestCluster();
    client = KubeClient.fromKubeConfig(cluster.kubeConfig);
    await client.create({ apiVersion: "v1", kind: "Namespace", metadata: { name: ns } });
  }, 60_000);

  afterAll(async () => {
    await client?.delete({ apiVersion: "v1", kind: "Namespace", name: ns }).catch(() => undefined);
    await cluster?.stop();
  });

  function manager(identity: string, runs: string[]) {
    const m = new Manager({
      kubeConfig: cluster.kubeConfig,
      metrics: new MetricsRecorder({ processMetrics: false }),
      metricsAddr: "0",
      healthAddr: "127.0.0.1:0",
      watchNamespace: ns,
      leaderElection: {
        enabled: true,
        identity,
        leaseName: "runtime-test-leader-election",
        leaseNamespace: ns,
        leaseDuration: 3000,
        renewDeadline: 2000,
        retryPeriod: 500,
      },
    });
    m.controller<UnstructuredObject>({
      name: "configmap",
      for: { apiVersion: "v1", kind: "ConfigMap", predicate: resourceVersionChanged },
      reconciler: {
        reconcile: async (obj) => {
          runs.push(`${identity}:${obj.metadata.name}:${String((obj["data"] as Record<string, string>)?.["v"])}`);
          return DONE;
        },
      },
    });
    return m;
  }

  it("reconciles on create and update while leading, and hands over on shutdown", async () => {
    const runs: string[] = [];
    const a = manager("a", runs);
    const abortA = new AbortController();
    const doneA = a.start(abortA.signal);
    await until(() => a.isLeader(), "a leads");
    await client.create({
      apiVersion: "v1",
      kind: "ConfigMap",
      metadata: { name: "cm", namespace: ns },
      data: { v: "1" },
    });
    await until(() => runs.includes("a:cm:1"), "reconcile of the new ConfigMap");
    await client.patch(
      { apiVersion: "v1", kind: "ConfigMap", namespace: ns, name: "cm" },
      { data: { v: "2" } },
      { type: "application/merge-patch+json" },
    );
    await until(() => runs.includes("a:cm:2"), "reconcile of the update");

    const b = manager("b", runs);
    const abortB = new AbortController();
    const doneB = b.start(abortB.signal);
    await new Promise((r) => setTimeout(r, 1000));
    expect(b.isLeader()).toBe(false);
    expect(runs.some((r) => r.startsWith("b:"))).toBe(false);
    abortA.abort();
    await doneA;
    await until(() => runs.includes("b:cm:2"), "b reconciles after taking over");
    const lease = await client.get<UnstructuredObject>({
      apiVersion: "coordination.k8s.io/v1",
      kind: "Lease",
      namespace: ns,
      name: "runtime-test-leader-election",
    });
    expect((lease["spec"] as { holderIdentity?: string }).holderIdentity).toBe("b");
    abortB.abort();
    await doneB;
  }, 60_000);
});
