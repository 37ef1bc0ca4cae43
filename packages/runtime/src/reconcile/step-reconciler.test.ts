import { type Condition, GitRepositoryKind } from "@sluice/api";
import { pino } from "pino";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { type EmbeddedTestCluster, startEmbeddedCluster } from "../../test/support/test-cluster.js";
import { ensureNamespaces, installFluxCrds } from "../../test/support/test-crd.js";
import { getCondition, markReconciling, markTrue } from "../conditions/object-conditions.js";
import type { ReconcileOutcome } from "../conditions/reconcile-outcome.js";
import type { ReadySummary } from "../conditions/summarize.js";
import type { ReconcileContext } from "../controller/reconciler.js";
import type { ReconcileResult } from "../controller/result.js";
import {
  GenericReconcileError,
  type ReconcileError,
  StallingError,
  TerminalError,
  WaitingError,
} from "../errors/reconcile-errors.js";
import type { EventInput } from "../events/types.js";
import type { KubeClient } from "../kube/kube-client.js";
import type { ApiObject, ObjectRef } from "../kube/object-ref.js";
import type { ReconcileRun } from "./run.js";
import { type ReconcileStep, type StepFunction, step } from "./step.js";
import { StepReconciler, type StepReconcilerOptions } from "./step-reconciler.js";
import { readySetDirectly, type Summarizer, summarizeReadyFrom } from "./summarizers.js";

// The skeleton against a real API server: a GitRepository-shaped kind (the real CRD, so status writes are
// validated), steps written for each case, the events and metrics it reports captured.

interface Repo extends ApiObject {
  spec: { url: string; interval: string; suspend?: boolean };
  status?: {
    conditions?: Condition[];
    observedGeneration?: number;
    lastHandledReconcileAt?: string;
    observedIgnore?: string;
  };
}

const API = "source.toolkit.fluxcd.io/v1";
const NS = "skeleton";
const INTERVAL = 60_000;
/** Ready summarized from two owned conditions, as a source kind does. */
const READY: ReadySummary = {
  summarize: ["FetchFailed", "ArtifactInStorage", "Stalled", "Reconciling"],
  negativePolarity: ["FetchFailed", "Stalled", "Reconciling"],
};
const OWNED = ["FetchFailed", "ArtifactInStorage", "Ready", "Reconciling", "Stalled"];

let cluster: EmbeddedTestCluster;
let client: KubeClient;
let n = 0;
let ref: ObjectRef;

beforeAll(async () => {
  cluster = await startEmbeddedCluster();
  client = cluster.client;
  await installFluxCrds(client, GitRepositoryKind);
  await ensureNamespaces(client, NS);
}, 30_000);
afterAll(async () => {
  await cluster?.stop();
});
beforeEach(() => {
  ref = { apiVersion: API, kind: "GitRepository", namespace: NS, name: `repo-${++n}` };
});

async function create(spec: Partial<Repo["spec"]> = {}, annotations?: Record<string, string>): Promise<Repo> {
  return client.create<Repo>({
    apiVersion: API,
    kind: "GitRepository",
    metadata: { namespace: NS, name: ref.name, ...(annotations ? { annotations } : {}) },
    spec: { url: "https://example.com/repo.git", interval: "1m", ...spec },
  });
}

/** What one run reported. */
interface Outcome {
  result?: ReconcileResult;
  error?: unknown;
  /** The object as the API server has it after the run. */
  after: Repo | undefined;
  events: EventInput[];
  metrics: Array<{ ready: string | undefined; seconds: number }>;
  writes: ApiObject[];
  steps: string[];
}

type KindOptions = Partial<Omit<StepReconcilerOptions<Repo, string[]>, "steps">>;

/** Runs the skeleton once on the object as the API server has it now, with `steps`. */
async function runOnce(steps: Array<[string, StepFunction<Repo, string[]>]>, kind: KindOptions = {}): Promise<Outcome> {
  const events: EventInput[] = [];
  const order: string[] = [];
  const reconciler = new StepReconciler<Repo, string[]>({
    apiVersion: API,
    kind: "GitRepository",
    client,
    fieldManager: "skeleton-test",
    ownedConditions: OWNED,
    events: {
      event: async (_obj, input) => {
        events.push(input);
      },
    },
    newState: () => order,
    steps: steps.map(
      ([name, fn]): ReconcileStep<Repo, string[]> =>
        step(name, (run) => {
          run.state.push(name);
          return fn(run);
        }),
    ),
    summarize: summarizeReadyFrom(READY) as Summarizer<Repo>,
    interval: () => INTERVAL,
    ...kind,
  });
  const metrics: Outcome["metrics"] = [];
  const writes: ApiObject[] = [];
  const ctx: ReconcileContext = {
    log: pino({ level: "silent" }),
    signal: new AbortController().signal,
    reconcileID: `run-${n}`,
    key: `${NS}/${ref.name}`,
    observeWrite: (written) => writes.push(written),
    recordMetrics: (obj, seconds) =>
      metrics.push({ ready: getCondition(obj as Repo, "Ready")?.status, seconds: Number(seconds >= 0) }),
  };
  const obj = await client.get<Repo>(ref);
  const outcome: Omit<Outcome, "after"> = { events, metrics, writes, steps: order };
  try {
    outcome.result = await reconciler.reconcile(obj, ctx);
  } catch (err: unknown) {
    outcome.error = err;
  }
  return { ...outcome, after: await client.getOptional<Repo>(ref) };
}

const stored: StepFunction<Repo, string[]> = ({ obj }) =>
  markTrue(obj, "ArtifactInStorage", "Succeeded", "stored artifact for revision 'main@sha1:1'");
/** A step failing as a source step does: its own failure condition set, then the typed error thrown. */
const failing =
  (error: ReconcileError | Error): StepFunction<Repo, string[]> =>
  ({ obj }) => {
    if (error instanceof StallingError || error instanceof GenericReconcileError || error instanceof TerminalError) {
      markTrue(obj, "FetchFailed", error.reason, error.message);
    }
    if (error instanceof WaitingError) markTrue(obj, "FetchFailed", error.reason, error.message);
    throw error;
  };
const ready = (o: Repo | undefined) => getCondition(o as Repo, "Ready");
/** Whether the object's current generation is recorded as observed. */
const observed = (o: Repo | undefined) => o?.status?.observedGeneration === o?.metadata.generation;

describe("StepReconciler: a run that succeeds", () => {
  it("adds the finalizer, runs the steps in order, summarizes Ready, observes the generation, requeues after the interval", async () => {
    await create();
    const out = await runOnce([
      ["reconcileStorage", () => {}],
      ["reconcileSource", () => "continue"],
      ["reconcileArtifact", stored],
    ]);
    expect(out.error).toBeUndefined();
    expect(out.steps).toEqual(["reconcileStorage", "reconcileSource", "reconcileArtifact"]);
    expect(out.result).toEqual({ requeueAfter: INTERVAL });
    expect(out.after?.metadata.finalizers).toEqual(["finalizers.fluxcd.io"]);
    expect(ready(out.after)).toMatchObject({
      status: "True",
      reason: "Succeeded",
      message: "stored artifact for revision 'main@sha1:1'",
    });
    expect(observed(out.after)).toBe(true);
    expect(out.events).toEqual([]);
    expect(out.metrics).toEqual([{ ready: "True", seconds: 1 }]);
    // Every write was shown to the cache, the last one being what the API server now holds.
    expect(out.writes.length).toBeGreaterThanOrEqual(2);
    expect(out.writes.at(-1)?.metadata.resourceVersion).toBe(out.after?.metadata.resourceVersion);
  });

  it('"up-to-date" stops the run as complete: later steps skipped, Reconciling dropped, generation observed', async () => {
    await create();
    const out = await runOnce([
      [
        "reconcileSource",
        ({ obj }) => {
          markReconciling(obj, "Progressing", "building artifact");
          stored({ obj } as ReconcileRun<Repo, string[]>);
          return "up-to-date";
        },
      ],
      ["reconcileArtifact", () => {}],
    ]);
    expect(out.steps).toEqual(["reconcileSource"]);
    expect(out.result).toEqual({ requeueAfter: INTERVAL });
    expect(getCondition(out.after as Repo, "Reconciling")).toBeUndefined();
    expect(ready(out.after)?.status).toBe("True");
    expect(observed(out.after)).toBe(true);
  });

  it("{ requeueAfter } stops the run incomplete: requeued without error, generation not observed, Reconciling kept for a retry", async () => {
    await create();
    const out = await runOnce([
      [
        "reconcileSource",
        ({ obj }) => {
          markReconciling(obj, "Progressing", "waiting for the lock");
          return { requeueAfter: 5 };
        },
      ],
      ["reconcileArtifact", () => {}],
    ]);
    expect(out.steps).toEqual(["reconcileSource"]);
    expect(out.error).toBeUndefined();
    expect(out.result).toEqual({ requeueAfter: 5 });
    expect(observed(out.after)).toBe(false);
    expect(getCondition(out.after as Repo, "Reconciling")).toMatchObject({
      reason: "ProgressingWithRetry",
      message: "waiting for the lock",
    });
  });

  it("a complete run whose Ready is not True is retried with Ready's message", async () => {
    await create();
    const out = await runOnce([["reconcileSource", ({ obj }) => markReconciling(obj, "Progressing", "half done")]]);
    // Reconciling is dropped by a complete run, so nothing makes Ready True: the run is retried.
    expect(out.error).toBeInstanceOf(Error);
    expect(ready(out.after)?.status).not.toBe("True");
  });

  it("runs deferred cleanups, last first, whether the steps succeed or fail", async () => {
    for (const outcome of ["success", "failure"] as const) {
      ref = { ...ref, name: `repo-${++n}` };
      await create();
      const cleaned: string[] = [];
      await runOnce([
        [
          "prepare",
          (run) => {
            run.defer(() => {
              cleaned.push("first");
            });
            run.defer(async () => {
              cleaned.push("second");
              throw new Error("cleanup failures are logged, not thrown");
            });
          },
        ],
        [
          "work",
          (run) => {
            if (outcome === "failure") throw new GenericReconcileError("Failed", "boom");
            stored(run);
          },
        ],
      ]);
      expect(cleaned, outcome).toEqual(["second", "first"]);
    }
  });

  it("a step can persist progress mid-run with run.patch()", async () => {
    await create();
    let seen: Repo | undefined;
    await runOnce([
      [
        "reconcileSource",
        async (run) => {
          markReconciling(run.obj, "Progressing", "building artifact");
          await run.patch();
          seen = await client.get<Repo>(ref);
        },
      ],
      ["reconcileArtifact", stored],
    ]);
    expect(getCondition(seen as Repo, "Reconciling")?.message).toBe("building artifact");
  });
});

describe("StepReconciler: a step that throws (Ready summarized from owned conditions)", () => {
  const cases: Array<{
    name: string;
    error: ReconcileError | Error;
    stalled: boolean;
    observed: boolean;
    ready: { reason: string; message: string };
    outcome: (out: Outcome) => void;
    events: EventInput[];
  }> = [
    {
      name: "StallingError: Stalled, generation observed, no retry, one Warning event",
      error: new StallingError("URLInvalid", "invalid url 'x'"),
      stalled: true,
      observed: true,
      ready: { reason: "URLInvalid", message: "invalid url 'x'" },
      outcome: (out) => expect(out.error).toBeInstanceOf(StallingError),
      events: [{ severity: "error", reason: "URLInvalid", message: "invalid url 'x'" }],
    },
    {
      name: "WaitingError: requeued after its delay, only logged",
      error: new WaitingError("NoArtifact", "no artifact for include 'x'", 5_000),
      stalled: false,
      observed: false,
      ready: { reason: "NoArtifact", message: "no artifact for include 'x'" },
      outcome: (out) => expect((out.error as WaitingError).requeueAfter).toBe(5_000),
      events: [],
    },
    {
      name: "WaitingError with a notice: one info event",
      error: new WaitingError("DependencyNotReady", "dependency 'ns/a' is not ready", 5_000, {
        notice: "Dependencies do not meet ready condition, retrying in 5s",
      }),
      stalled: false,
      observed: false,
      ready: { reason: "DependencyNotReady", message: "dependency 'ns/a' is not ready" },
      outcome: (out) => expect(out.error).toBeInstanceOf(WaitingError),
      events: [
        {
          severity: "info",
          reason: "DependencyNotReady",
          message: "Dependencies do not meet ready condition, retrying in 5s",
        },
      ],
    },
    {
      name: "GenericReconcileError: thrown for backoff, one Warning event",
      error: new GenericReconcileError("GitOperationFailed", "failed to checkout: timeout"),
      stalled: false,
      observed: false,
      ready: { reason: "GitOperationFailed", message: "failed to checkout: timeout" },
      outcome: (out) => expect(out.error).toBeInstanceOf(GenericReconcileError),
      events: [{ severity: "error", reason: "GitOperationFailed", message: "failed to checkout: timeout" }],
    },
    {
      name: "GenericReconcileError without event",
      error: new GenericReconcileError("GitOperationFailed", "quiet", { event: false }),
      stalled: false,
      observed: false,
      ready: { reason: "GitOperationFailed", message: "quiet" },
      outcome: (out) => expect(out.error).toBeInstanceOf(GenericReconcileError),
      events: [],
    },
    {
      name: "GenericReconcileError with retryAfter: requeued after it, not thrown",
      error: new GenericReconcileError("BuildFailed", "kustomize build failed", { retryAfter: 7_000 }),
      stalled: false,
      observed: false,
      ready: { reason: "BuildFailed", message: "kustomize build failed" },
      outcome: (out) => {
        expect(out.error).toBeUndefined();
        expect(out.result).toEqual({ requeueAfter: 7_000 });
      },
      events: [{ severity: "error", reason: "BuildFailed", message: "kustomize build failed" }],
    },
    {
      name: "TerminalError: thrown (never retried), one Warning event",
      error: new TerminalError("Unsupported", "cannot ever work"),
      stalled: false,
      observed: false,
      ready: { reason: "Unsupported", message: "cannot ever work" },
      outcome: (out) => expect(out.error).toBeInstanceOf(TerminalError),
      events: [{ severity: "error", reason: "Unsupported", message: "cannot ever work" }],
    },
  ];

  it.each(cases)("$name", async (c) => {
    await create();
    const out = await runOnce([
      ["reconcileStorage", () => {}],
      ["reconcileSource", failing(c.error)],
      ["reconcileArtifact", stored],
    ]);
    expect(out.steps).toEqual(["reconcileStorage", "reconcileSource"]);
    c.outcome(out);
    expect(ready(out.after)).toMatchObject({ status: "False", ...c.ready });
    expect(getCondition(out.after as Repo, "Stalled")?.status).toBe(c.stalled ? "True" : undefined);
    expect(observed(out.after)).toBe(c.observed);
    expect(out.events).toEqual(c.events);
    expect(out.metrics).toEqual([{ ready: "False", seconds: 1 }]);
  });

  it("an error that is not typed counts as a GenericReconcileError with reason Failed", async () => {
    await create();
    const out = await runOnce([["reconcileSource", failing(new Error("socket hang up"))]]);
    expect(out.error).toBeInstanceOf(GenericReconcileError);
    expect((out.error as GenericReconcileError).reason).toBe("Failed");
    expect(out.events).toEqual([{ severity: "error", reason: "Failed", message: "socket hang up" }]);
  });

  it("a later success drops Stalled and the failure condition's effect on Ready", async () => {
    await create();
    await runOnce([["reconcileSource", failing(new StallingError("URLInvalid", "bad"))]]);
    const out = await runOnce([
      [
        "reconcileSource",
        ({ obj }) => {
          obj.status = {
            ...obj.status,
            conditions: (obj.status?.conditions ?? []).filter((c) => c.type !== "FetchFailed"),
          };
        },
      ],
      ["reconcileArtifact", stored],
    ]);
    expect(getCondition(out.after as Repo, "Stalled")).toBeUndefined();
    expect(ready(out.after)?.status).toBe("True");
  });
});

describe("StepReconciler: Ready set directly (kustomize-controller's way)", () => {
  const direct: KindOptions = { summarize: readySetDirectly as Summarizer<Repo> };
  const cases: Array<{ name: string; error: ReconcileError; stalled: boolean; observed: boolean }> = [
    {
      name: "StallingError",
      error: new StallingError("InvalidCELExpression", "invalid expression"),
      stalled: true,
      observed: true,
    },
    {
      name: "WaitingError",
      error: new WaitingError("ArtifactFailed", "Source artifact not found", 10),
      stalled: false,
      observed: false,
    },
    {
      name: "GenericReconcileError",
      error: new GenericReconcileError("HealthCheckFailed", "timeout waiting for: [Deployment/ns/app]", {
        retryAfter: 10,
      }),
      stalled: false,
      observed: false,
    },
  ];

  it.each(cases)("$name: Ready=False with the error's reason and message, Reconciling left for retry", async (c) => {
    await create();
    const out = await runOnce(
      [
        [
          "reconcile",
          ({ obj }) => {
            markReconciling(obj, "Progressing", "Fetching manifests for revision main@sha1:1");
            throw c.error;
          },
        ],
      ],
      direct,
    );
    expect(ready(out.after)).toMatchObject({ status: "False", reason: c.error.reason, message: c.error.message });
    expect(getCondition(out.after as Repo, "Stalled")?.status).toBe(c.stalled ? "True" : undefined);
    // A stall ends the work (Reconciling removed); otherwise Reconciling says a retry is coming.
    expect(getCondition(out.after as Repo, "Reconciling")?.reason).toBe(c.stalled ? undefined : "ProgressingWithRetry");
    expect(observed(out.after)).toBe(c.observed);
  });

  it("a step's Ready=True drops Reconciling and observes the generation", async () => {
    await create();
    const out = await runOnce(
      [
        [
          "reconcile",
          ({ obj }) => {
            markReconciling(obj, "Progressing", "Fetching manifests");
            markTrue(obj, "Ready", "ReconciliationSucceeded", "Applied revision: main@sha1:1");
          },
        ],
      ],
      direct,
    );
    expect(ready(out.after)).toMatchObject({ status: "True", message: "Applied revision: main@sha1:1" });
    expect(getCondition(out.after as Repo, "Reconciling")).toBeUndefined();
    expect(observed(out.after)).toBe(true);
    expect(out.result).toEqual({ requeueAfter: INTERVAL });
  });

  it("a kind's own summarizer is the one called, and its verdict is what the controller gets", async () => {
    await create();
    const calls: ReconcileOutcome[] = [];
    const out = await runOnce([["reconcile", stored]], {
      summarize: (obj, outcome) => {
        calls.push(outcome);
        markTrue(obj, "Ready", "InstallSucceeded", "Helm install succeeded");
        return { observedGeneration: true, error: undefined };
      },
    });
    expect(calls).toEqual([{ error: undefined, complete: true }]);
    expect(ready(out.after)?.message).toBe("Helm install succeeded");
    expect(out.result).toEqual({ requeueAfter: INTERVAL });
  });

  it("decorateEvent shapes every event, including the skeleton's own", async () => {
    await create();
    const out = await runOnce(
      [
        [
          "reconcile",
          (run) => {
            run.event("info", "Progressing", "applied 4 objects");
            throw new GenericReconcileError("BuildFailed", "build failed", { retryAfter: 10 });
          },
        ],
      ],
      { ...direct, decorateEvent: (_run, e) => ({ ...e, metadata: { revision: "main@sha1:1" } }) },
    );
    expect(out.events).toEqual([
      { severity: "info", reason: "Progressing", message: "applied 4 objects", metadata: { revision: "main@sha1:1" } },
      { severity: "error", reason: "BuildFailed", message: "build failed", metadata: { revision: "main@sha1:1" } },
    ]);
  });
});

describe("StepReconciler: suspension, requests, deletion, patch failures", () => {
  it("spec.suspend: no step runs, the request is recorded as handled, conditions are left alone", async () => {
    await create({ suspend: true }, { "reconcile.fluxcd.io/requestedAt": "2024-05-01T10:00:00Z" });
    const out = await runOnce([["reconcileSource", stored]]);
    expect(out.steps).toEqual([]);
    expect(out.result).toEqual({});
    expect(out.after?.metadata.finalizers).toEqual(["finalizers.fluxcd.io"]);
    expect(out.after?.status?.lastHandledReconcileAt).toBe("2024-05-01T10:00:00Z");
    expect(out.after?.status?.conditions).toBeUndefined();
    expect(observed(out.after)).toBe(false);
    expect(out.metrics).toHaveLength(1);
  });

  it("summarizeSuspended: a suspended object still gets the summarizer's end (Ready=True observes the generation)", async () => {
    await create();
    const direct: KindOptions = { summarize: readySetDirectly as Summarizer<Repo> };
    const ready: StepFunction<Repo, string[]> = ({ obj }) => markTrue(obj, "Ready", "ReconciliationSucceeded", "ok");
    await runOnce([["reconcile", ready]], direct);
    const obj = await client.get<Repo>(ref);
    await client.patch<Repo>(ref, { spec: { ...obj.spec, suspend: true } }, { type: "application/merge-patch+json" });
    const untouched = await runOnce([["reconcile", ready]], direct);
    expect(untouched.steps).toEqual([]);
    expect(observed(untouched.after)).toBe(false);
    const summarized = await runOnce([["reconcile", ready]], { ...direct, summarizeSuspended: true });
    expect(summarized.steps).toEqual([]);
    expect(summarized.result).toEqual({});
    expect(observed(summarized.after)).toBe(true);
    expect(getCondition(summarized.after as Repo, "Ready")?.reason).toBe("ReconciliationSucceeded");
  });

  it("interval 0: a successful run is not requeued (controller-runtime's RequeueAfter: 0)", async () => {
    await create();
    const periodic = await runOnce([["reconcileArtifact", stored]]);
    expect(periodic.result).toEqual({ requeueAfter: INTERVAL });
    const once = await runOnce([["reconcileArtifact", stored]], { interval: () => 0 });
    expect(once.result).toEqual({});
  });

  it("statusless, finalizer null: no finalizer, no status write even when a run was requested", async () => {
    await create({}, { "reconcile.fluxcd.io/requestedAt": "2024-05-01T12:00:00Z", unrelated: "x" });
    const out = await runOnce([["migrate", () => undefined]], { statusless: true, finalizer: null, interval: () => 0 });
    expect(out.steps).toEqual(["migrate"]);
    expect(out.result).toEqual({});
    expect(out.after?.metadata.finalizers).toBeUndefined();
    expect(out.after?.status?.lastHandledReconcileAt).toBeUndefined();
    expect(out.after?.status?.conditions).toBeUndefined();
    expect(out.writes).toEqual([]);
  });

  it("requestedAt: the run knows it was requested and records the request as handled", async () => {
    await create({}, { "reconcile.fluxcd.io/requestedAt": "2024-05-01T11:00:00Z" });
    const seen: Array<[boolean, boolean]> = [];
    const remember: StepFunction<Repo, string[]> = (run) => {
      seen.push([run.reconcileRequested, run.newGeneration]);
    };
    const first = await runOnce([
      ["reconcileSource", remember],
      ["reconcileArtifact", stored],
    ]);
    expect(first.after?.status?.lastHandledReconcileAt).toBe("2024-05-01T11:00:00Z");
    await runOnce([
      ["reconcileSource", remember],
      ["reconcileArtifact", stored],
    ]);
    expect(seen).toEqual([
      [true, true],
      [false, false],
    ]);
  });

  it("deletion: runs the kind's cleanup, drops the finalizer, and the object goes", async () => {
    await create();
    await runOnce([["reconcileArtifact", stored]]);
    await client.delete(ref);
    const cleaned: string[] = [];
    const out = await runOnce([["reconcileArtifact", stored]], {
      finalize: async (run) => {
        cleaned.push(run.obj.metadata.name ?? "");
      },
    });
    expect(cleaned).toEqual([ref.name]);
    expect(out.steps).toEqual([]);
    expect(out.error).toBeUndefined();
    expect(out.after).toBeUndefined();
  });

  it("deletion: a failed cleanup keeps the finalizer, is reported once and retried", async () => {
    await create();
    await runOnce([["reconcileArtifact", stored]]);
    await client.delete(ref);
    const out = await runOnce([], {
      finalize: async () => {
        throw new GenericReconcileError("GarbageCollectionFailed", "garbage collection for deleted resource failed");
      },
    });
    expect(out.error).toBeInstanceOf(GenericReconcileError);
    expect(out.after?.metadata.finalizers).toEqual(["finalizers.fluxcd.io"]);
    expect(out.events).toEqual([
      {
        severity: "error",
        reason: "GarbageCollectionFailed",
        message: "garbage collection for deleted resource failed",
      },
    ]);
    // Let it go.
    await runOnce([]);
  });

  it("a status the API server refuses is reported as PatchOperationFailed naming the object", async () => {
    await create();
    const out = await runOnce([
      [
        "reconcileArtifact",
        (run) => {
          stored(run);
          (run.obj.status as Record<string, unknown>)["observedIgnore"] = 42; // the schema says string
        },
      ],
    ]);
    expect(out.error).toBeInstanceOf(GenericReconcileError);
    expect((out.error as GenericReconcileError).reason).toBe("PatchOperationFailed");
    expect((out.error as Error).message).toMatch(
      new RegExp(`^failed to patch status of GitRepository '${NS}/${ref.name}': `),
    );
    expect(out.metrics).toHaveLength(1);
  });

  it("an object deleted during the run ends it quietly", async () => {
    await create();
    const out = await runOnce([
      [
        "reconcileSource",
        async (run) => {
          await client.delete(ref);
          // The finalizer was added first: drop it as a user would, so the object goes.
          await client.patch(ref, { metadata: { finalizers: null } }, { type: "application/merge-patch+json" });
          return failing(new GenericReconcileError("Failed", `${run.obj.metadata.name} vanished`))(run);
        },
      ],
    ]);
    expect(out.after).toBeUndefined();
    expect(out.error).toBeUndefined();
    expect(out.result).toEqual({});
    expect(out.events).toEqual([]);
  });
});
