import type { Condition } from "@sluice/api";
import { GitRepositoryKind, KustomizationKind } from "@sluice/api";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { type EmbeddedTestCluster, startEmbeddedCluster } from "../../test/support/test-cluster.js";
import { ensureNamespaces, installFluxCrds } from "../../test/support/test-crd.js";
import { ObjectCache } from "../cache/object-cache.js";
import { GenericReconcileError, StallingError, WaitingError } from "../errors/reconcile-errors.js";
import type { KubeClient } from "../kube/kube-client.js";
import { type ApiObject, objectKey } from "../kube/object-ref.js";
import { MetricsRecorder } from "../metrics/metrics-recorder.js";
import { StatusPatcher } from "../status/status-patcher.js";
import { Controller, LeaderElectionLostError } from "./controller.js";
import { jitteredInterval } from "./jitter.js";
import type { ReconcileContext } from "./reconciler.js";
import { DONE, type ReconcileResult, requeueAfter } from "./result.js";

interface Kustomization extends ApiObject {
  spec: { sourceRef: { kind: string; name: string }; suspend?: boolean; path?: string };
  status?: { conditions?: Condition[] };
}

const KS = "kustomize.toolkit.fluxcd.io/v1";
const GIT = "source.toolkit.fluxcd.io/v1";
let cluster: EmbeddedTestCluster;
let client: KubeClient;
let ns = 0;
let namespace: string;
const running: Array<{ cache: ObjectCache; abort: AbortController; done: Promise<void> }> = [];

beforeAll(async () => {
  cluster = await startEmbeddedCluster();
  client = cluster.client;
  await installFluxCrds(client, KustomizationKind, GitRepositoryKind);
}, 30_000);
afterAll(async () => {
  await cluster?.stop();
});
afterEach(async () => {
  for (const r of running.splice(0)) {
    r.abort.abort();
    await r.done;
    await r.cache.stop();
  }
});

function ks(name: string, extra: Partial<Kustomization["spec"]> = {}): Kustomization {
  return {
    apiVersion: KS,
    kind: "Kustomization",
    metadata: { namespace, name },
    spec: { sourceRef: { kind: "GitRepository", name: "repo" }, ...extra },
  };
}

/** Creates or updates an object as another client would (server-side apply of the fields given). */
async function put(obj: ApiObject & { spec?: object }): Promise<ApiObject> {
  const body = obj.kind === "Kustomization" ? { ...obj, spec: { interval: "10m", prune: true, ...obj.spec } } : obj;
  return client.apply(body, { fieldManager: "controller-test", force: true });
}

function ksRef(name: string) {
  return { apiVersion: KS, kind: "Kustomization", namespace, name };
}

async function until(check: () => boolean, what: string, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

type Handler = (obj: Kustomization, ctx: ReconcileContext) => Promise<ReconcileResult>;

/** A controller on its own fresh namespace (created on the API server). */
async function startController(handler: Handler, options: { metrics?: MetricsRecorder; random?: () => number } = {}) {
  namespace = `ns${++ns}`;
  await ensureNamespaces(client, namespace);
  const cache = new ObjectCache(client, { namespace });
  const runs: string[] = [];
  const controller = new Controller<Kustomization>({
    name: "kustomization",
    for: { apiVersion: KS, kind: "Kustomization" },
    cache,
    concurrency: 2,
    backoff: { min: 20, max: 80 },
    metrics: options.metrics,
    random: options.random ?? (() => 0.5),
    reconciler: {
      reconcile: async (obj, ctx) => {
        runs.push(obj.metadata.name ?? "");
        return handler(obj, ctx);
      },
    },
  });
  const abort = new AbortController();
  const start = () => {
    cache.start();
    const done = controller.start(abort.signal);
    running.push({ cache, abort, done });
    return done;
  };
  return { controller, cache, runs, abort, start };
}

describe("Controller", () => {
  it("reconciles existing and new objects, on spec changes and reconcile requests, not on status writes", async () => {
    const c = await startController(async () => DONE);
    await put(ks("a"));
    c.start();
    await until(() => c.runs.length === 1, "initial reconcile");
    await put(ks("b"));
    await until(() => c.runs.includes("b"), "reconcile of a new object");
    // A status write (another controller's, or our own) changes neither generation nor annotations.
    const statusWritten = await client.patchStatus(ksRef("a"), { status: { lastAppliedRevision: "main@sha1:abc" } });
    await until(
      () =>
        c.controller.informer.get(`${namespace}/a`)?.metadata.resourceVersion ===
        statusWritten.metadata.resourceVersion,
      "status write seen by the informer",
    );
    await put(ks("a", { path: "./changed" }));
    await until(() => c.runs.filter((r) => r === "a").length === 2, "reconcile after a spec change");
    expect(c.controller.informer.get(`${namespace}/a`)?.metadata.generation).toBe(2);
    await client.patch(
      ksRef("a"),
      { metadata: { annotations: { "reconcile.fluxcd.io/requestedAt": "now" } } },
      { type: "application/merge-patch+json" },
    );
    await until(() => c.runs.filter((r) => r === "a").length === 3, "reconcile on request");
    // A label change is neither a spec change nor a reconcile request.
    await client.patch(ksRef("a"), { metadata: { labels: { team: "a" } } }, { type: "application/merge-patch+json" });
    await sleep(100);
    expect(c.runs.filter((r) => r === "a")).toHaveLength(3);
  });

  it("requeues a successful run after the jittered interval", async () => {
    const times: number[] = [];
    const c = await startController(
      async () => {
        times.push(Date.now());
        return requeueAfter(60);
      },
      { random: () => 1 },
    );
    await put(ks("interval"));
    c.start();
    await until(() => times.length >= 3, "three interval runs");
    // random() = 1 gives the top of the ±5% range: 63 ms.
    expect(jitteredInterval(60, 5, () => 1)).toBe(63);
    expect((times[2] ?? 0) - (times[1] ?? 0)).toBeGreaterThanOrEqual(62);
  });

  it("retries generic errors with growing backoff and counts them", async () => {
    const metrics = new MetricsRecorder({ processMetrics: false });
    const times: number[] = [];
    const c = await startController(
      async () => {
        times.push(Date.now());
        if (times.length < 4) throw new GenericReconcileError("ArtifactFailed", "source unavailable");
        return DONE;
      },
      { metrics },
    );
    await put(ks("flaky"));
    c.start();
    await until(() => times.length === 4, "four attempts");
    const gaps = times.slice(1).map((t, i) => t - (times[i] ?? 0));
    expect(gaps[0]).toBeGreaterThanOrEqual(19);
    expect(gaps[1]).toBeGreaterThanOrEqual(39);
    expect(gaps[2]).toBeGreaterThanOrEqual(79);
    const text = await metrics.metrics();
    expect(text).toContain('controller_runtime_reconcile_errors_total{controller="kustomization"} 3');
    expect(text).toContain('controller_runtime_reconcile_total{controller="kustomization",result="success"} 1');
    expect(text).toContain('workqueue_retries_total{name="kustomization"} 3');
    expect(c.controller.queue.numRequeues(`${namespace}/flaky`)).toBe(0);
  });

  it("does not retry a stalled object; waits and retries a waiting one after its delay", async () => {
    const attempts = new Map<string, number>();
    const c = await startController(async (obj) => {
      const name = obj.metadata.name ?? "";
      attempts.set(name, (attempts.get(name) ?? 0) + 1);
      if (name === "stalled") throw new StallingError("InvalidPath", "spec.path: must be relative");
      if ((attempts.get(name) ?? 0) < 3) throw new WaitingError("DependencyNotReady", "source not ready", 30);
      return DONE;
    });
    await put(ks("stalled"));
    await put(ks("waiting"));
    c.start();
    await until(() => attempts.get("waiting") === 3, "waiting object retried twice");
    await sleep(150);
    expect(attempts.get("stalled")).toBe(1);
    expect(attempts.get("waiting")).toBe(3);
  });

  it("reconciles objects whose related objects change, through an index", async () => {
    const c = await startController(async () => DONE);
    c.controller.informer.addIndex("sourceRef", (k) => [
      `${k.spec.sourceRef.kind}/${k.metadata.namespace}/${k.spec.sourceRef.name}`,
    ]);
    c.controller.watches<ApiObject>(GIT, "GitRepository", (repo, primary) =>
      primary.byIndex("sourceRef", `GitRepository/${repo.metadata.namespace}/${repo.metadata.name}`).map(objectKey),
    );
    await put(ks("uses-repo"));
    await put({ ...ks("uses-other"), spec: { sourceRef: { kind: "GitRepository", name: "other" } } });
    c.start();
    await until(() => c.runs.length === 2, "initial reconciles");
    await put({
      apiVersion: GIT,
      kind: "GitRepository",
      metadata: { namespace, name: "repo" },
      spec: { interval: "1m", url: "https://github.com/stefanprodan/podinfo" },
    });
    await until(() => c.runs.filter((r) => r === "uses-repo").length === 2, "reconcile triggered by the source");
    await sleep(50);
    expect(c.runs.filter((r) => r === "uses-other")).toHaveLength(1);
  });

  it("with addAndDelete false, reconciles only on related updates its predicate accepts", async () => {
    const c = await startController(async () => DONE);
    c.controller.watches<ApiObject & { spec?: { url?: string } }>(
      GIT,
      "GitRepository",
      () => [`${namespace}/watched`],
      {
        predicate: (old, obj) => old.spec?.url !== obj.spec?.url,
        addAndDelete: false,
      },
    );
    await put(ks("watched"));
    c.start();
    await until(() => c.runs.length === 1, "initial reconcile");
    const repo = {
      apiVersion: GIT,
      kind: "GitRepository",
      metadata: { namespace, name: "quiet" },
      spec: { interval: "1m", url: "https://example.com/a" },
    };
    await put(repo);
    await put({ ...repo, spec: { ...repo.spec, interval: "2m" } });
    await sleep(150);
    expect(c.runs).toEqual(["watched"]);
    await put({ ...repo, spec: { ...repo.spec, url: "https://example.com/b" } });
    await until(() => c.runs.length === 2, "reconcile on the accepted update");
    await client.delete({ apiVersion: GIT, kind: "GitRepository", namespace, name: "quiet" });
    await sleep(150);
    expect(c.runs).toEqual(["watched", "watched"]);
  });

  it("reconciles the deletion of a finalized object, which goes once the reconciler drops its finalizer", async () => {
    const finalizer = "finalizers.fluxcd.io";
    const seen: string[] = [];
    const c = await startController(async (obj) => {
      const patcher = new StatusPatcher(client, obj);
      if (obj.metadata.deletionTimestamp) {
        seen.push(`cleanup generation=${obj.metadata.generation}`);
        obj.metadata.finalizers = (obj.metadata.finalizers ?? []).filter((f) => f !== finalizer);
      } else if (!obj.metadata.finalizers?.includes(finalizer)) {
        seen.push("add finalizer");
        obj.metadata.finalizers = [...(obj.metadata.finalizers ?? []), finalizer];
      }
      await patcher.patch(obj);
      return DONE;
    });
    await put(ks("finalized"));
    c.start();
    await until(
      () => c.controller.informer.get(`${namespace}/finalized`)?.metadata.finalizers?.length === 1,
      "finalizer",
    );
    await client.delete(ksRef("finalized"));
    await until(() => c.controller.informer.get(`${namespace}/finalized`) === undefined, "object gone");
    expect(await client.getOptional(ksRef("finalized"))).toBeUndefined();
    // The API server bumps the generation of a finalized object when its deletion starts.
    expect(seen).toEqual(["add finalizer", "cleanup generation=2"]);
  });

  it("records GitOps Toolkit metrics per object and deletes them with the object", async () => {
    const metrics = new MetricsRecorder({ processMetrics: false, legacyObjectMetrics: true });
    const c = await startController(
      async (obj) => {
        obj.status = {
          conditions: [
            {
              type: "Ready",
              status: "True",
              reason: "Succeeded",
              message: "",
              lastTransitionTime: "2024-01-01T00:00:00Z",
            },
          ],
        };
        return DONE;
      },
      { metrics },
    );
    await put(ks("measured", { suspend: true }));
    c.start();
    await until(() => c.runs.length === 1, "reconcile");
    await sleep(20);
    let text = await metrics.metrics();
    expect(text).toContain(`gotk_suspend_status{kind="Kustomization",name="measured",namespace="${namespace}"} 1`);
    expect(text).toContain(
      `gotk_reconcile_condition{kind="Kustomization",name="measured",namespace="${namespace}",type="Ready",status="True"} 1`,
    );
    expect(text).toContain(
      `gotk_reconcile_duration_seconds_count{kind="Kustomization",name="measured",namespace="${namespace}"} 1`,
    );
    await client.delete(ksRef("measured"));
    await until(() => c.controller.informer.get(`${namespace}/measured`) === undefined, "delete seen");
    await c.controller.queue.whenIdle();
    text = await metrics.metrics();
    expect(text).not.toContain('name="measured"');
  });

  it("lets a reconciler record its own metrics once, and shows its writes to the cache at once", async () => {
    const metrics = new MetricsRecorder({ processMetrics: false, legacyObjectMetrics: true });
    let seenByCache: unknown;
    const c = await startController(
      async (obj, ctx) => {
        // Stop the watch, so only ctx.observeWrite can bring our write into the cache.
        await c.cache.stop();
        const patcher = new StatusPatcher(client, obj, { onWrite: ctx.observeWrite });
        obj.status = {
          conditions: [
            {
              type: "Ready",
              status: "False",
              reason: "Failed",
              message: "",
              lastTransitionTime: "2024-01-01T00:00:00Z",
            },
          ],
        };
        await patcher.patch(obj);
        seenByCache = c.controller.informer.get(ctx.key)?.status?.conditions?.[0]?.reason;
        ctx.recordMetrics?.(obj, 0.25);
        return DONE;
      },
      { metrics },
    );
    await put(ks("self-measured"));
    c.start();
    await until(() => c.runs.length === 1, "reconcile");
    await c.controller.queue.whenIdle();
    expect(seenByCache).toBe("Failed");
    const text = await metrics.metrics();
    expect(text).toContain(
      `gotk_reconcile_duration_seconds_count{kind="Kustomization",name="self-measured",namespace="${namespace}"} 1`,
    );
    expect(text).toContain(
      `gotk_reconcile_condition{kind="Kustomization",name="self-measured",namespace="${namespace}",type="Ready",status="False"} 1`,
    );
  });

  it("lets in-flight reconciles finish on shutdown, and aborts them at once when leadership is lost", async () => {
    let finished = 0;
    let aborted = 0;
    const c = await startController(async (_obj, ctx) => {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(() => {
          finished++;
          resolve();
        }, 100);
        ctx.signal.addEventListener("abort", () => {
          clearTimeout(timer);
          aborted++;
          resolve();
        });
      });
      return DONE;
    });
    await put(ks("slow"));
    const done = c.start();
    await until(() => c.runs.length === 1, "reconcile started");
    c.abort.abort();
    await done;
    expect([finished, aborted]).toEqual([1, 0]);

    const lost = await startController(async (_obj, ctx) => {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, 5000);
        ctx.signal.addEventListener("abort", () => {
          clearTimeout(timer);
          aborted++;
          resolve();
        });
      });
      return DONE;
    });
    await put(ks("slow"));
    const lostDone = lost.start();
    await until(() => lost.runs.length === 1, "reconcile started");
    const t0 = Date.now();
    lost.abort.abort(new LeaderElectionLostError());
    await lostDone;
    expect(aborted).toBe(1);
    expect(Date.now() - t0).toBeLessThan(1000);
  });
});

describe("jitteredInterval", () => {
  it.each([
    { random: 0, want: 950 },
    { random: 0.5, want: 1000 },
    { random: 1, want: 1050 },
  ])("moves 1000 ms by ±5% (random=$random → $want)", ({ random, want }) => {
    expect(jitteredInterval(1000, 5, () => random)).toBe(want);
  });
  it("is off at 0%", () => {
    expect(jitteredInterval(1000, 0)).toBe(1000);
  });
});
