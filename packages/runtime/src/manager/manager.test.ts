import { GitRepositoryKind } from "@sluice/api";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type EmbeddedTestCluster, startEmbeddedCluster, type TestCluster } from "../../test/support/test-cluster.js";
import { ensureNamespaces, installFluxCrds } from "../../test/support/test-crd.js";
import { LeaderElectionLostError } from "../controller/controller.js";
import { DONE } from "../controller/result.js";
import type { ApiObject } from "../kube/object-ref.js";
import { MetricsRecorder } from "../metrics/metrics-recorder.js";
import { CacheSyncTimeoutError, Manager } from "./manager.js";

const API = "source.toolkit.fluxcd.io/v1";
let cluster: EmbeddedTestCluster;
let n = 0;

/** Installs the GitRepository CRD and the namespaces the managers use. */
async function prepare(on: TestCluster, ...namespaces: string[]): Promise<void> {
  await installFluxCrds(on.client, GitRepositoryKind);
  await ensureNamespaces(on.client, "flux-system", ...namespaces);
}

beforeAll(async () => {
  cluster = await startEmbeddedCluster();
  await prepare(cluster);
}, 30_000);
afterAll(async () => {
  await cluster?.stop();
});

async function until(check: () => boolean, what: string, ms = 5000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

function makeManager(
  namespace: string,
  extra: Partial<ConstructorParameters<typeof Manager>[0]> = {},
  on: TestCluster = cluster,
) {
  const runs: string[] = [];
  const manager = new Manager({
    kubeConfig: on.kubeConfig,
    rateLimit: false,
    metrics: new MetricsRecorder({ processMetrics: false }),
    metricsAddr: "127.0.0.1:0",
    healthAddr: "127.0.0.1:0",
    watchNamespace: namespace,
    gracefulShutdownTimeout: 5000,
    ...extra,
  });
  let gate: Promise<void> = Promise.resolve();
  const setGate = (p: Promise<void>) => {
    gate = p;
  };
  let lastSignal: AbortSignal | undefined;
  manager.controller<ApiObject>({
    name: "gitrepository",
    for: { apiVersion: API, kind: "GitRepository" },
    reconciler: {
      reconcile: async (obj, ctx) => {
        runs.push(obj.metadata.name ?? "");
        lastSignal = ctx.signal;
        await Promise.race([gate, new Promise((r) => ctx.signal.addEventListener("abort", r))]);
        return DONE;
      },
    },
  });
  return { manager, runs, setGate, signal: () => lastSignal };
}

/** Creates a GitRepository (and its namespace) on the API server. */
async function createRepo(namespace: string, name: string, on: TestCluster = cluster): Promise<void> {
  await ensureNamespaces(on.client, namespace);
  await on.client.create({
    apiVersion: API,
    kind: "GitRepository",
    metadata: { namespace, name },
    spec: { interval: "1m", url: "https://github.com/stefanprodan/podinfo" },
  });
}

async function get(port: number | undefined, path: string): Promise<{ status: number; body: string }> {
  const res = await fetch(`http://127.0.0.1:${port}${path}`);
  return { status: res.status, body: await res.text() };
}

describe("Manager", () => {
  it("serves probes and metrics, syncs caches, reconciles, and drains in-flight work on shutdown", async () => {
    const namespace = `m${++n}`;
    await createRepo(namespace, "podinfo");
    const m = makeManager(namespace);
    let release!: () => void;
    m.setGate(new Promise<void>((r) => (release = r)));
    const abort = new AbortController();
    const done = m.manager.start(abort.signal);
    await until(() => m.runs.length === 1, "reconcile");
    expect(m.manager.isLeader()).toBe(true);
    const health = m.manager.probes.addressOf("/readyz")?.port;
    expect(await get(health, "/readyz")).toEqual({ status: 200, body: "ok" });
    expect(await get(health, "/healthz")).toEqual({ status: 200, body: "ok" });
    const metrics = await get(m.manager.probes.addressOf("/metrics")?.port, "/metrics");
    expect(metrics.body).toContain('controller_runtime_active_workers{controller="gitrepository"} 1');
    abort.abort();
    await new Promise((r) => setTimeout(r, 50));
    expect(m.signal()?.aborted).toBe(false);
    release();
    await done;
    await expect(fetch(`http://127.0.0.1:${health}/healthz`)).rejects.toThrow();
  });

  it("counts rest_client_requests_total per manager when several run in one process", async () => {
    const namespace = `m${++n}`;
    const metricsOf = async (m: Manager) =>
      (await m.metrics.metrics()).split("\n").filter((l) => l.startsWith('rest_client_requests_total{code="404"'));
    // Each manager looks up a missing ConfigMap a different number of times from a runnable of its own.
    const managers = [2, 3].map((gets) => {
      const { manager } = makeManager(namespace);
      let done!: () => void;
      const finished = new Promise<void>((r) => (done = r));
      manager.add({
        name: `getter-${gets}`,
        needLeaderElection: false,
        start: async () => {
          for (let i = 0; i < gets; i++)
            await manager.client.getOptional({ apiVersion: "v1", kind: "ConfigMap", namespace, name: "missing" });
          done();
        },
      });
      return { manager, finished };
    });
    const abort = new AbortController();
    const running = managers.map((m) => m.manager.start(abort.signal));
    await Promise.all(managers.map((m) => m.finished));
    // A request outside any manager is neither's.
    await cluster.client.getOptional({ apiVersion: "v1", kind: "ConfigMap", namespace, name: "missing" });
    const host = new URL(cluster.kubeConfig.getCurrentCluster()?.server ?? "").host;
    expect(await metricsOf(managers[0]!.manager)).toEqual([
      `rest_client_requests_total{code="404",method="GET",host="${host}"} 2`,
    ]);
    expect(await metricsOf(managers[1]!.manager)).toEqual([
      `rest_client_requests_total{code="404",method="GET",host="${host}"} 3`,
    ]);
    abort.abort();
    await Promise.all(running);
  });

  it("reports not ready and fails start when caches cannot sync", async () => {
    const m = new Manager({
      kubeConfig: cluster.kubeConfig,
      rateLimit: false,
      metrics: new MetricsRecorder({ processMetrics: false }),
      metricsAddr: "0",
      healthAddr: "127.0.0.1:0",
      cacheSyncTimeout: 300,
    });
    m.controller<ApiObject>({
      name: "missing",
      for: { apiVersion: "nothing.example.com/v1", kind: "Missing" },
      reconciler: { reconcile: async () => DONE },
    });
    const done = m.start(new AbortController().signal);
    await until(() => m.probes.addressOf("/readyz") !== undefined, "probe server");
    const ready = await get(m.probes.addressOf("/readyz")?.port, "/readyz");
    expect(ready.status).toBe(500);
    expect(ready.body).toContain("caches not synced: Missing");
    await expect(done).rejects.toBeInstanceOf(CacheSyncTimeoutError);
  });

  it("reconciles only while leading and hands over to the next manager", async () => {
    const namespace = `m${++n}`;
    await createRepo(namespace, "one");
    const election = {
      enabled: true,
      leaseName: `sc-${namespace}`,
      leaseNamespace: "flux-system",
      leaseDuration: 400,
      renewDeadline: 250,
      retryPeriod: 50,
    };
    const a = makeManager(namespace, { leaderElection: { ...election, identity: "a" } });
    const abortA = new AbortController();
    const doneA = a.manager.start(abortA.signal);
    await until(() => a.runs.length === 1, "a reconciles");
    const b = makeManager(namespace, { leaderElection: { ...election, identity: "b" } });
    const abortB = new AbortController();
    const doneB = b.manager.start(abortB.signal);
    await new Promise((r) => setTimeout(r, 200));
    expect(b.runs).toEqual([]);
    expect(b.manager.isLeader()).toBe(false);
    abortA.abort();
    await doneA;
    await until(() => b.runs.length === 1, "b reconciles after a released the lease");
    abortB.abort();
    await doneB;
  });

  it("stops reconciling at once and rejects when leadership is lost", async () => {
    // Its own API server, which goes away while the manager leads and reconciles.
    const lonely = await startEmbeddedCluster();
    try {
      const namespace = `m${++n}`;
      await prepare(lonely);
      await createRepo(namespace, "slow", lonely);
      const m = makeManager(
        namespace,
        {
          leaderElection: {
            enabled: true,
            leaseName: `sc-${namespace}`,
            leaseNamespace: "flux-system",
            leaseDuration: 400,
            renewDeadline: 250,
            retryPeriod: 50,
          },
        },
        lonely,
      );
      m.setGate(new Promise<void>(() => {}));
      const done = m.manager.start(new AbortController().signal);
      await until(() => m.runs.length === 1, "reconcile running");
      await lonely.pause();
      await expect(done).rejects.toBeInstanceOf(LeaderElectionLostError);
      expect(m.signal()?.aborted).toBe(true);
    } finally {
      await lonely.stop();
    }
  });

  it("turns SIGTERM into a graceful stop", async () => {
    const namespace = `m${++n}`;
    const m = makeManager(namespace);
    const signal = m.manager.handleSignals();
    const done = m.manager.start(signal);
    await until(() => m.manager.probes.addressOf("/healthz") !== undefined, "started");
    process.emit("SIGTERM", "SIGTERM");
    expect(signal.aborted).toBe(true);
    await done;
  });
});
