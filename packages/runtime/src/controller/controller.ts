import { randomUUID } from "node:crypto";
import type { Condition } from "@sluice/api";
import { ConditionType } from "@sluice/api";
import { type Logger, pino } from "pino";
import type { Informer } from "../cache/informer.js";
import type { ObjectCache } from "../cache/object-cache.js";
import { asReconcileError, WaitingError } from "../errors/reconcile-errors.js";
import type { ApiObject } from "../kube/object-ref.js";
import { parseObjectKey } from "../kube/object-ref.js";
import { reconcileLogger } from "../logging/logger.js";
import type { MetricsRecorder, ReconcileResultLabel } from "../metrics/metrics-recorder.js";
import type { BackoffOptions } from "../queue/backoff.js";
import type { Clock } from "../queue/clock.js";
import { WorkQueue } from "../queue/work-queue.js";
import { DEFAULT_INTERVAL_JITTER_PERCENTAGE, jitteredInterval } from "./jitter.js";
import { defaultForPredicate, resourceVersionChanged, type UpdatePredicate } from "./predicates.js";
import type { Reconciler } from "./reconciler.js";

/** Something the manager runs until its signal aborts. */
export interface Runnable {
  /** Name used in logs. */
  readonly name: string;
  /** Only run while this process holds the leader lease. */
  readonly needLeaderElection: boolean;
  /** Runs until `signal` aborts, then stops (draining work) and resolves. */
  start(signal: AbortSignal): Promise<void>;
}

/** Error used as the abort reason when leadership is lost: runnables stop at once, without draining. */
export class LeaderElectionLostError extends Error {
  constructor(message = "leader election lost") {
    super(message);
    this.name = "LeaderElectionLostError";
  }
}

/** Options of {@link Controller}. */
export interface ControllerOptions<T extends ApiObject> {
  /** Controller name (lower-case kind, as Flux names them: `gitrepository`), used in metrics and logs. */
  name: string;
  /**
   * The kind reconciled, which of its updates trigger a run (default: generation or requestedAt changed),
   * and a label selector restricting which objects are cached and reconciled (`--watch-label-selector`).
   */
  for: { apiVersion: string; kind: string; predicate?: UpdatePredicate<T>; labelSelector?: string | undefined };
  reconciler: Reconciler<T>;
  cache: ObjectCache;
  metrics?: MetricsRecorder | undefined;
  logger?: Logger | undefined;
  /** Keys reconciled at once (`--concurrent`); default 4. */
  concurrency?: number | undefined;
  /** Retry backoff (`--min-retry-delay`/`--max-retry-delay`); default 750 ms → 15 min. */
  backoff?: BackoffOptions | undefined;
  /** `--interval-jitter-percentage`; default 5. */
  intervalJitterPercentage?: number | undefined;
  /** How long in-flight reconciles may run on shutdown before being abandoned (ms); default 30 s. */
  drainTimeout?: number | undefined;
  clock?: Clock | undefined;
  random?: (() => number) | undefined;
}

/** Options of {@link Controller.watches}. */
export interface WatchOptions<R extends ApiObject> {
  /** Which updates of the related object matter (default: any real change). */
  predicate?: UpdatePredicate<R>;
  /**
   * Whether a related object appearing (created, or listed when the watch starts) or deleted enqueues
   * (default true); false as controller-runtime predicates returning false for Create and Delete.
   */
  addAndDelete?: boolean;
  labelSelector?: string;
}

/**
 * One controller: a work queue fed by the informer of its kind (filtered by a predicate) and by related
 * kinds mapped to keys, `--concurrent` workers calling the reconciler, and the bookkeeping around each run —
 * reconcileID and logger, metrics (controller-runtime and GitOps Toolkit series, deleted with the object),
 * and the error policy: success requeues after the jittered `requeueAfter`; StallingError and TerminalError
 * stop retrying; WaitingError requeues after its delay; anything else backs off exponentially per key.
 */
export class Controller<T extends ApiObject> implements Runnable {
  readonly name: string;
  readonly needLeaderElection = true;
  /** The informer of the reconciled kind (add indexes to it before the manager starts). */
  readonly informer: Informer<T>;
  readonly queue: WorkQueue;
  private readonly log: Logger | undefined;
  private readonly jitter: number;
  private started = false;

  constructor(private readonly options: ControllerOptions<T>) {
    this.name = options.name;
    this.log = options.logger?.child({ controller: options.name });
    this.jitter = options.intervalJitterPercentage ?? DEFAULT_INTERVAL_JITTER_PERCENTAGE;
    if (this.jitter < 0 || this.jitter >= 100) {
      throw new RangeError(`--interval-jitter-percentage must be in [0, 100), got ${this.jitter}`);
    }
    this.queue = new WorkQueue({
      name: options.name,
      concurrency: options.concurrency ?? 4,
      ...(options.backoff ? { backoff: options.backoff } : {}),
      ...(options.clock ? { clock: options.clock } : {}),
      ...(options.metrics ? { metrics: options.metrics.queueHooks(options.name) } : {}),
    });
    options.metrics?.registerController(options.name, options.concurrency ?? 4);
    this.informer = options.cache.informerFor<T>(
      options.for.apiVersion,
      options.for.kind,
      options.for.labelSelector ? { labelSelector: options.for.labelSelector } : {},
    );
    const predicate = options.for.predicate ?? (defaultForPredicate as UpdatePredicate<T>);
    this.informer.addEventHandler({
      onAdd: (obj) => this.enqueueObject(obj),
      onUpdate: (old, obj) => {
        if (predicate(old, obj)) this.enqueueObject(obj);
      },
      onDelete: (obj) => this.enqueueObject(obj),
    });
  }

  /**
   * Also reconcile when objects of a related kind change: `map` turns the related object into keys of
   * reconciled objects, usually through an index of {@link informer} (e.g. Kustomizations by sourceRef).
   */
  watches<R extends ApiObject>(
    apiVersion: string,
    kind: string,
    map: (obj: R, primary: Informer<T>) => readonly string[],
    options: WatchOptions<R> = {},
  ): this {
    const informer = this.options.cache.informerFor<R>(
      apiVersion,
      kind,
      options.labelSelector ? { labelSelector: options.labelSelector } : {},
    );
    const predicate = options.predicate ?? (resourceVersionChanged as UpdatePredicate<R>);
    const enqueue = (obj: R) => {
      try {
        for (const key of map(obj, this.informer)) this.queue.add(key);
      } catch (err: unknown) {
        this.log?.error({ error: err, kind }, "mapping a related object to reconcile requests failed");
      }
    };
    const addAndDelete = options.addAndDelete ?? true;
    informer.addEventHandler({
      onAdd: (obj) => {
        if (addAndDelete) enqueue(obj);
      },
      onUpdate: (old, obj) => {
        if (predicate(old, obj)) enqueue(obj);
      },
      onDelete: (obj) => {
        if (addAndDelete) enqueue(obj);
      },
    });
    return this;
  }

  /** Queues a reconcile of `key` (`namespace/name`). */
  enqueue(key: string): void {
    this.queue.add(key);
  }

  /** Runs workers until `signal` aborts, then drains in-flight reconciles (at once on lost leadership). */
  async start(signal: AbortSignal): Promise<void> {
    if (this.started) throw new Error(`controller ${this.name} already started`);
    this.started = true;
    this.queue.start((key, queueSignal) => this.reconcileKey(key, queueSignal));
    this.log?.info({ workers: this.options.concurrency ?? 4 }, "Starting workers");
    await new Promise<void>((resolve) => {
      if (signal.aborted) resolve();
      else signal.addEventListener("abort", () => resolve(), { once: true });
    });
    const immediate = signal.reason instanceof LeaderElectionLostError;
    const deadline = immediate ? 0 : (this.options.drainTimeout ?? 30_000);
    this.log?.info({ deadlineMs: deadline }, "Stopping workers");
    const result = await this.queue.shutdown(deadline);
    if (!result.drained) {
      this.log?.warn({ abandoned: result.abandoned }, "reconciles still running when the controller stopped");
    }
  }

  private enqueueObject(obj: T): void {
    const name = obj.metadata.name;
    if (!name) return;
    this.queue.add(obj.metadata.namespace ? `${obj.metadata.namespace}/${name}` : name);
  }

  private async reconcileKey(key: string, signal: AbortSignal): Promise<void> {
    const { namespace, name } = parseObjectKey(key);
    const kind = this.options.for.kind;
    const metrics = this.options.metrics;
    const ref = { kind, namespace, name };
    const reconcileID = randomUUID();
    const started = performance.now();
    let label: ReconcileResultLabel = "success";
    metrics?.addActiveWorkers(this.name, 1);
    const log = this.options.logger
      ? reconcileLogger(this.options.logger, {
          controller: this.name,
          kind,
          group: groupOf(this.options.for.apiVersion),
          namespace,
          name,
          reconcileID,
        })
      : undefined;
    let obj: T | undefined;
    let metricsRecorded = false;
    try {
      obj = this.informer.get(key);
      if (!obj) {
        // Gone from the cache: nothing to reconcile; forget its retries and its metric series.
        this.queue.forget(key);
        this.queue.cancelDelayed(key);
        metrics?.deleteObject(ref);
        return;
      }
      const result = await this.options.reconciler.reconcile(obj, {
        log: log ?? silentLogger(),
        signal,
        reconcileID,
        key,
        observeWrite: (written) => this.informer.observeWrite(written as T),
        recordMetrics: (current, seconds) => {
          metricsRecorded = true;
          if (metrics) recordObjectMetrics(metrics, ref, current, seconds);
        },
      });
      this.queue.forget(key);
      if (result.requeueAfter !== undefined) {
        const delay = jitteredInterval(result.requeueAfter, this.jitter, this.options.random);
        this.queue.addAfter(key, delay);
        label = "requeue_after";
        log?.debug({ requeueAfter: delay }, "reconciliation finished");
      } else {
        log?.debug("reconciliation finished");
      }
    } catch (err: unknown) {
      // A programming error is what a panic is in Go: counted as one (and retried as an error).
      if (err instanceof TypeError || err instanceof RangeError || err instanceof ReferenceError) {
        metrics?.recordPanic(this.name);
      }
      const error = asReconcileError(err);
      switch (error.kind) {
        case "stalling":
          this.queue.forget(key);
          log?.error({ error, reason: error.reason }, "reconciliation stalled");
          break;
        case "terminal":
          this.queue.forget(key);
          label = "error";
          metrics?.recordTerminalError(this.name);
          log?.error({ error, reason: error.reason }, "Reconciler error (terminal, not retried)");
          break;
        case "waiting": {
          const delay = error instanceof WaitingError ? error.requeueAfter : 0;
          this.queue.forget(key);
          this.queue.addAfter(key, delay);
          label = "requeue_after";
          log?.info({ reason: error.reason, requeueAfter: delay }, error.message);
          break;
        }
        default: {
          const delay = this.queue.addRateLimited(key);
          label = "error";
          log?.error({ error, reason: error.reason, retryIn: delay }, "Reconciler error");
        }
      }
    } finally {
      const seconds = (performance.now() - started) / 1000;
      metrics?.addActiveWorkers(this.name, -1);
      metrics?.recordReconcile(this.name, label, seconds);
      if (obj && metrics && !metricsRecorded) recordObjectMetrics(metrics, ref, obj, seconds);
    }
  }
}

/** The group of an apiVersion (`apps/v1` → `apps`, `v1` → ""). */
function groupOf(apiVersion: string): string {
  const slash = apiVersion.indexOf("/");
  return slash < 0 ? "" : apiVersion.slice(0, slash);
}

function recordObjectMetrics(
  metrics: MetricsRecorder,
  ref: { kind: string; namespace: string | undefined; name: string },
  obj: ApiObject,
  seconds: number,
): void {
  metrics.recordDuration(ref, seconds);
  const full = obj as ApiObject & { spec?: { suspend?: unknown }; status?: { conditions?: Condition[] } };
  metrics.recordSuspend(ref, full.spec?.suspend === true);
  const ready = full.status?.conditions?.find((c) => c.type === ConditionType.Ready);
  if (ready) metrics.recordCondition(ref, ready);
}

/** A logger that drops everything, for controllers created without one. */
const silentLogger = (() => {
  let logger: Logger | undefined;
  return () => {
    logger ??= pino({ level: "silent" });
    return logger;
  };
})();
