// watchForSet against the embedded API server with simulated workload rollouts: readiness is noticed through
// the watch, failures and timeouts name each object.

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { UnstructuredObject } from "../src/kube/object-ref.js";
import { WaitError } from "../src/ssa/errors.js";
import { computeStatus } from "../src/ssa/kstatus.js";
import { SharedWatches } from "../src/ssa/shared-watches.js";
import { watchForSet } from "../src/ssa/watch-wait.js";
import { WrittenVersions } from "../src/ssa/written-versions.js";
import { type EmbeddedTestCluster, startEmbeddedCluster } from "./support/test-cluster.js";

const NS = "default";
let cluster: EmbeddedTestCluster;

const deployment = (name: string): UnstructuredObject => ({
  apiVersion: "apps/v1",
  kind: "Deployment",
  metadata: { name, namespace: NS },
  spec: {
    replicas: 2,
    selector: { matchLabels: { app: name } },
    template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: "c", image: "nginx" }] } },
  },
});

beforeAll(async () => {
  cluster = await startEmbeddedCluster({ simulateWorkloads: true, workloadDelayMs: 300 });
}, 60_000);
afterAll(async () => cluster?.stop());

describe("watchForSet", () => {
  it("resolves once every object is Current, seen through the watch", async () => {
    await cluster.client.create(deployment("web"));
    await cluster.client.create({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "cfg", namespace: NS } });
    await watchForSet(
      cluster.client,
      [
        { apiVersion: "apps/v1", kind: "Deployment", namespace: NS, name: "web" },
        { apiVersion: "v1", kind: "ConfigMap", namespace: NS, name: "cfg" },
      ],
      { timeout: 30_000 },
    );
    const live = await cluster.client.get<UnstructuredObject>({
      apiVersion: "apps/v1",
      kind: "Deployment",
      namespace: NS,
      name: "web",
    });
    expect((live["status"] as { availableReplicas?: number }).availableReplicas).toBe(2);
  });

  it("times out naming the objects not ready and their status", async () => {
    const err = await watchForSet(
      cluster.client,
      [{ apiVersion: "v1", kind: "ConfigMap", namespace: NS, name: "absent" }],
      { timeout: 300 },
    ).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(WaitError);
    expect((err as Error).message).toBe(
      "timeout waiting for: [ConfigMap/default/absent status: 'NotFound': object not found]",
    );
  });

  it("fails as soon as every object settled and one Failed (custom status reader)", async () => {
    await cluster.client.create({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "bad", namespace: NS } });
    const err = await watchForSet(
      cluster.client,
      [{ apiVersion: "v1", kind: "ConfigMap", namespace: NS, name: "bad" }],
      {
        timeout: 30_000,
        statusReader: () => ({ status: "Failed", message: "broken" }),
      },
    ).catch((e: unknown) => e);
    expect((err as Error).message).toBe(
      "failed early due to stalled resources: [ConfigMap/default/bad status: 'Failed': broken]",
    );
  });

  it("stops when the signal aborts", async () => {
    const abort = new AbortController();
    const waiting = watchForSet(
      cluster.client,
      [{ apiVersion: "v1", kind: "ConfigMap", namespace: NS, name: "never" }],
      {
        timeout: 30_000,
        signal: abort.signal,
      },
    );
    abort.abort(new Error("canceled by test"));
    await expect(waiting).rejects.toThrow("canceled by test");
  });
  it("shares one list+watch per kind and namespace between checks that follow one another", async () => {
    const watches = new SharedWatches(60_000);
    const ns = "shared-watch";
    await cluster.client.create({ apiVersion: "v1", kind: "Namespace", metadata: { name: ns } });
    const lists = () =>
      cluster.server
        .auditEvents()
        .filter(
          (e) =>
            e.verb === "GET" && e.path.startsWith(`/api/v1/namespaces/${ns}/configmaps`) && !e.path.includes("watch="),
        ).length;
    for (const name of ["a", "b", "c"]) {
      await cluster.client.create({ apiVersion: "v1", kind: "ConfigMap", metadata: { name, namespace: ns } });
      await watchForSet(cluster.client, [{ apiVersion: "v1", kind: "ConfigMap", namespace: ns, name }], {
        timeout: 30_000,
        watches,
      });
    }
    expect(lists()).toBe(1);
  });

  it("gives one object's events to every check waiting on it, and leaves the shared watch when they end", async () => {
    const watches = new SharedWatches(60_000);
    const ref = { apiVersion: "v1", kind: "ConfigMap", namespace: NS, name: "awaited-twice" };
    const other = { apiVersion: "v1", kind: "ConfigMap", namespace: NS, name: "awaited-later" };
    const judged: string[] = [];
    const reader = (who: string) => (obj: UnstructuredObject) => {
      judged.push(`${who} ${obj.metadata.name}`);
      return computeStatus(obj);
    };
    const first = watchForSet(cluster.client, [ref], { timeout: 30_000, watches, statusReader: reader("first") });
    const second = watchForSet(cluster.client, [ref], { timeout: 30_000, watches, statusReader: reader("second") });
    const third = watchForSet(cluster.client, [other], { timeout: 30_000, watches, statusReader: reader("third") });
    const thirdSettled = third.catch((e: unknown) => e);
    await cluster.client.create({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: ref.name, namespace: NS } });
    await Promise.all([first, second]);
    expect(judged.sort()).toEqual(["first awaited-twice", "second awaited-twice"]);
    const lease = watches.acquire(cluster.client, "v1", "ConfigMap", NS);
    expect(lease.dispatcher.attached).toBe(true); // the third check still waits
    await cluster.client.create({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: other.name, namespace: NS } });
    expect(await thirdSettled).toBeUndefined();
    expect(lease.dispatcher.attached).toBe(false);
    lease.release();
  });

  it("does not judge a cached state older than the version an apply of ours wrote", async () => {
    const watches = new SharedWatches(60_000);
    const written = new WrittenVersions();
    const ref = { apiVersion: "apps/v1", kind: "Deployment", namespace: NS, name: "rolled" };
    await cluster.client.create(deployment("rolled"));
    await watchForSet(cluster.client, [ref], { timeout: 30_000, watches, written });
    // A new generation: the shared cache still holds the old, Current state when the next check starts.
    const scaled: UnstructuredObject = {
      ...deployment("rolled"),
      spec: { ...(deployment("rolled")["spec"] as object), replicas: 3 },
    };
    const updated = await cluster.client.apply<UnstructuredObject>(scaled, { fieldManager: "test", force: true });
    written.record(updated);
    const judged: number[] = [];
    await watchForSet(cluster.client, [ref], {
      timeout: 30_000,
      watches,
      written,
      statusReader: (obj) => {
        judged.push(Number(obj.metadata.resourceVersion));
        return computeStatus(obj);
      },
    });
    expect(judged.length).toBeGreaterThan(0);
    expect(Math.min(...judged)).toBeGreaterThanOrEqual(Number(updated.metadata.resourceVersion));
  });
});
