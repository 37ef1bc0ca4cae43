import type { Condition } from "@sluice/api";
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from "prom-client";
import type { QueueMetricsHooks } from "../queue/work-queue.js";
import { exponentialBuckets, exponentialBucketsRange } from "./buckets.js";

/** Identifies an object in the per-object GitOps Toolkit series. */
export interface MetricsObjectRef {
  kind: string;
  namespace?: string | undefined;
  name: string;
}

/** Outcome label of `controller_runtime_reconcile_total` (controller-runtime's values). */
export type ReconcileResultLabel = "success" | "error" | "requeue" | "requeue_after";

/** Options of {@link MetricsRecorder}. */
export interface MetricsRecorderOptions {
  /** Registry to register into (default: a new one, so each manager has its own). */
  registry?: Registry;
  /** Also export Node process metrics (`process_*`, `nodejs_*`); default true. */
  processMetrics?: boolean;
  /**
   * Also export `gotk_reconcile_condition` and `gotk_suspend_status`, which Flux 2.1 removed in favour of
   * kube-state-metrics' `gotk_resource_info` (default: `SLUICE_LEGACY_GOTK_METRICS=true` in the environment).
   */
  legacyObjectMetrics?: boolean;
}

const STATUSES = ["True", "False", "Unknown"] as const;

/**
 * The metrics every Sluice controller exports, with the names Flux's (2.1+) dashboards and alerts expect:
 * - `gotk_reconcile_duration_seconds{kind,name,namespace}` (deleted with its object by {@link deleteObject})
 *   (`gotk_cache_events_total` is source-controller's, from its Helm index cache, as in Flux);
 * - `controller_runtime_reconcile_total{controller,result}`, `controller_runtime_reconcile_errors_total{controller}`,
 *   `controller_runtime_terminal_reconcile_errors_total{controller}`, `controller_runtime_reconcile_panics_total{controller}`,
 *   `controller_runtime_reconcile_time_seconds{controller}`, `controller_runtime_active_workers{controller}`,
 *   `controller_runtime_max_concurrent_reconciles{controller}`;
 * - `workqueue_depth`, `workqueue_adds_total`, `workqueue_queue_duration_seconds`,
 *   `workqueue_work_duration_seconds`, `workqueue_retries_total`, `workqueue_longest_running_processor_seconds`,
 *   `workqueue_unfinished_work_seconds`, all `{name}`;
 * - `rest_client_requests_total{code,method,host}` (the requests of the manager's run), and
 *   `leader_election_master_status{name}`;
 * - with `legacyObjectMetrics`, also `gotk_reconcile_condition{kind,name,namespace,type,status}` and
 *   `gotk_suspend_status{kind,name,namespace}`.
 */
export class MetricsRecorder {
  readonly registry: Registry;
  private readonly reconcileDuration: Histogram<"kind" | "name" | "namespace">;
  private readonly conditionGauge: Gauge<"kind" | "name" | "namespace" | "type" | "status"> | undefined;
  private readonly suspendGauge: Gauge<"kind" | "name" | "namespace"> | undefined;
  private readonly terminalErrors: Counter<"controller">;
  private readonly panics: Counter<"controller">;
  private readonly restRequests: Counter<"code" | "method" | "host">;
  private readonly leaderStatus: Gauge<"name">;
  /** Start times (performance.now) of the keys being worked on, per queue. */
  private readonly inFlight = new Map<string, Map<string, number>>();
  private readonly reconcileTotal: Counter<"controller" | "result">;
  private readonly reconcileErrors: Counter<"controller">;
  private readonly reconcileTime: Histogram<"controller">;
  private readonly activeWorkers: Gauge<"controller">;
  private readonly maxConcurrent: Gauge<"controller">;
  private readonly queueDepth: Gauge<"name">;
  private readonly queueAdds: Counter<"name">;
  private readonly queueLatency: Histogram<"name">;
  private readonly workDuration: Histogram<"name">;
  private readonly queueRetries: Counter<"name">;
  /** Condition types recorded per object, so their series can be deleted with it. */
  private readonly conditionTypes = new Map<string, Set<string>>();

  constructor(options: MetricsRecorderOptions = {}) {
    this.registry = options.registry ?? new Registry();
    const registers = [this.registry];
    if (options.processMetrics ?? true) collectDefaultMetrics({ register: this.registry });
    const objectLabels = ["kind", "name", "namespace"] as const;
    this.reconcileDuration = new Histogram({
      name: "gotk_reconcile_duration_seconds",
      help: "The duration in seconds of a GitOps Toolkit resource reconciliation.",
      labelNames: objectLabels,
      buckets: exponentialBucketsRange(10e-3, 1800, 10),
      registers,
    });
    const legacy = options.legacyObjectMetrics ?? process.env["SLUICE_LEGACY_GOTK_METRICS"] === "true";
    if (legacy) {
      this.conditionGauge = new Gauge({
        name: "gotk_reconcile_condition",
        help: "The current condition status of a GitOps Toolkit resource reconciliation.",
        labelNames: [...objectLabels, "type", "status"],
        registers,
      });
      this.suspendGauge = new Gauge({
        name: "gotk_suspend_status",
        help: "The current suspend status of a GitOps Toolkit resource.",
        labelNames: objectLabels,
        registers,
      });
    }
    this.terminalErrors = new Counter({
      name: "controller_runtime_terminal_reconcile_errors_total",
      help: "Total number of terminal reconciliation errors per controller",
      labelNames: ["controller"],
      registers,
    });
    this.panics = new Counter({
      name: "controller_runtime_reconcile_panics_total",
      help: "Total number of reconciliation panics per controller",
      labelNames: ["controller"],
      registers,
    });
    this.restRequests = new Counter({
      name: "rest_client_requests_total",
      help: "Number of HTTP requests, partitioned by status code, method, and host.",
      labelNames: ["code", "method", "host"],
      registers,
    });
    this.leaderStatus = new Gauge({
      name: "leader_election_master_status",
      help: "Gauge of if the reporting system is master of the relevant lease, 0 indicates backup, 1 indicates master. 'name' is the string used to identify the lease. Please make sure to group by name.",
      labelNames: ["name"],
      registers,
    });
    const inFlight = this.inFlight;
    const ages = (name: string): number[] => {
      const now = performance.now();
      return [...(inFlight.get(name)?.values() ?? [])].map((t) => (now - t) / 1000);
    };
    new Gauge({
      name: "workqueue_longest_running_processor_seconds",
      help: "How many seconds has the longest running processor for workqueue been running.",
      labelNames: ["name"],
      registers,
      collect() {
        for (const name of inFlight.keys()) this.set({ name }, Math.max(0, ...ages(name)));
      },
    });
    new Gauge({
      name: "workqueue_unfinished_work_seconds",
      help: "How many seconds of work has done that is in progress and hasn't been observed by work_duration. Large values indicate stuck threads. One can deduce the number of stuck threads by observing the rate at which this increases.",
      labelNames: ["name"],
      registers,
      collect() {
        for (const name of inFlight.keys())
          this.set(
            { name },
            ages(name).reduce((a, b) => a + b, 0),
          );
      },
    });
    this.reconcileTotal = new Counter({
      name: "controller_runtime_reconcile_total",
      help: "Total number of reconciliations per controller",
      labelNames: ["controller", "result"],
      registers,
    });
    this.reconcileErrors = new Counter({
      name: "controller_runtime_reconcile_errors_total",
      help: "Total number of reconciliation errors per controller",
      labelNames: ["controller"],
      registers,
    });
    this.reconcileTime = new Histogram({
      name: "controller_runtime_reconcile_time_seconds",
      help: "Length of time per reconciliation per controller",
      labelNames: ["controller"],
      buckets: [
        0.005, 0.01, 0.025, 0.05, 0.1, 0.15, 0.2, 0.25, 0.3, 0.35, 0.4, 0.45, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0, 1.25, 1.5,
        1.75, 2.0, 2.5, 3.0, 3.5, 4.0, 4.5, 5, 6, 7, 8, 9, 10, 15, 20, 25, 30, 40, 50, 60,
      ],
      registers,
    });
    this.activeWorkers = new Gauge({
      name: "controller_runtime_active_workers",
      help: "Number of currently used workers per controller",
      labelNames: ["controller"],
      registers,
    });
    this.maxConcurrent = new Gauge({
      name: "controller_runtime_max_concurrent_reconciles",
      help: "Maximum number of concurrent reconciles per controller",
      labelNames: ["controller"],
      registers,
    });
    const queueBuckets = exponentialBuckets(10e-9, 10, 12);
    this.queueDepth = new Gauge({
      name: "workqueue_depth",
      help: "Current depth of workqueue",
      labelNames: ["name"],
      registers,
    });
    this.queueAdds = new Counter({
      name: "workqueue_adds_total",
      help: "Total number of adds handled by workqueue",
      labelNames: ["name"],
      registers,
    });
    this.queueLatency = new Histogram({
      name: "workqueue_queue_duration_seconds",
      help: "How long in seconds an item stays in workqueue before being requested",
      labelNames: ["name"],
      buckets: queueBuckets,
      registers,
    });
    this.workDuration = new Histogram({
      name: "workqueue_work_duration_seconds",
      help: "How long in seconds processing an item from workqueue takes.",
      labelNames: ["name"],
      buckets: queueBuckets,
      registers,
    });
    this.queueRetries = new Counter({
      name: "workqueue_retries_total",
      help: "Total number of retries handled by workqueue",
      labelNames: ["name"],
      registers,
    });
  }

  /** Records how long one reconcile of an object took. */
  recordDuration(ref: MetricsObjectRef, seconds: number): void {
    this.reconcileDuration.observe(objectLabels(ref), seconds);
  }

  /** Sets `gotk_reconcile_condition` for a condition: 1 for its status, 0 for the other two. */
  recordCondition(ref: MetricsObjectRef, condition: Pick<Condition, "type" | "status">): void {
    if (!this.conditionGauge) return;
    const labels = objectLabels(ref);
    for (const status of STATUSES) {
      this.conditionGauge.set({ ...labels, type: condition.type, status }, status === condition.status ? 1 : 0);
    }
    const key = refKey(ref);
    let types = this.conditionTypes.get(key);
    if (!types) {
      types = new Set();
      this.conditionTypes.set(key, types);
    }
    types.add(condition.type);
  }

  /** Removes the condition series of one condition type of an object. */
  deleteCondition(ref: MetricsObjectRef, type: string): void {
    const labels = objectLabels(ref);
    for (const status of STATUSES) this.conditionGauge?.remove({ ...labels, type, status });
    this.conditionTypes.get(refKey(ref))?.delete(type);
  }

  /** Sets `gotk_suspend_status` of an object (1 when `spec.suspend` is true). */
  recordSuspend(ref: MetricsObjectRef, suspended: boolean): void {
    this.suspendGauge?.set(objectLabels(ref), suspended ? 1 : 0);
  }

  /** Deletes every per-object series of an object (call when it is deleted). */
  deleteObject(ref: MetricsObjectRef): void {
    const labels = objectLabels(ref);
    this.reconcileDuration.remove(labels);
    this.suspendGauge?.remove(labels);
    for (const type of this.conditionTypes.get(refKey(ref)) ?? []) {
      for (const status of STATUSES) this.conditionGauge?.remove({ ...labels, type, status });
    }
    this.conditionTypes.delete(refKey(ref));
  }

  /** Counts one finished reconcile of `controller` and observes its duration. */
  recordReconcile(controller: string, result: ReconcileResultLabel, seconds: number): void {
    this.reconcileTotal.inc({ controller, result });
    if (result === "error") this.reconcileErrors.inc({ controller });
    this.reconcileTime.observe({ controller }, seconds);
  }

  /** Declares a controller's worker count and zeroes its counters so they appear before the first reconcile. */
  registerController(controller: string, maxConcurrentReconciles: number): void {
    this.maxConcurrent.set({ controller }, maxConcurrentReconciles);
    this.activeWorkers.set({ controller }, 0);
    for (const result of ["success", "error", "requeue", "requeue_after"] as const) {
      this.reconcileTotal.inc({ controller, result }, 0);
    }
    this.reconcileErrors.inc({ controller }, 0);
    this.terminalErrors.inc({ controller }, 0);
    this.panics.inc({ controller }, 0);
  }

  /** Counts a terminal (not retried) reconcile error of `controller`. */
  recordTerminalError(controller: string): void {
    this.terminalErrors.inc({ controller });
  }

  /**
   * Counts a reconcile of `controller` that failed with a programming error (a TypeError, RangeError or
   * ReferenceError: what a panic is in Go).
   */
  recordPanic(controller: string): void {
    this.panics.inc({ controller });
  }

  /** Counts one API request: its HTTP status (`<error>` without a response), method and `host:port`. */
  recordRestRequest(code: number | string, method: string, host: string): void {
    this.restRequests.inc({ code: String(code), method, host });
  }

  /** Sets `leader_election_master_status` of the lease `name`: 1 while this process leads. */
  recordLeader(name: string, leading: boolean): void {
    this.leaderStatus.set({ name }, leading ? 1 : 0);
  }

  /** Adjusts `controller_runtime_active_workers` by `delta`. */
  addActiveWorkers(controller: string, delta: number): void {
    this.activeWorkers.inc({ controller }, delta);
  }

  /** Work-queue hooks feeding the `workqueue_*{name}` series. */
  queueHooks(name: string): QueueMetricsHooks {
    this.queueDepth.set({ name }, 0);
    this.queueAdds.inc({ name }, 0);
    this.queueRetries.inc({ name }, 0);
    if (!this.inFlight.has(name)) this.inFlight.set(name, new Map());
    return {
      added: () => this.queueAdds.inc({ name }),
      depth: (depth) => this.queueDepth.set({ name }, depth),
      queueLatency: (seconds) => this.queueLatency.observe({ name }, seconds),
      workDuration: (seconds) => this.workDuration.observe({ name }, seconds),
      retried: () => this.queueRetries.inc({ name }),
      workStarted: (key) => {
        let running = this.inFlight.get(name);
        if (!running) {
          running = new Map();
          this.inFlight.set(name, running);
        }
        running.set(key, performance.now());
      },
      workFinished: (key) => this.inFlight.get(name)?.delete(key),
    };
  }

  /** The Prometheus text exposition of every metric. */
  metrics(): Promise<string> {
    return this.registry.metrics();
  }

  /** The Content-Type of {@link metrics}. */
  get contentType(): string {
    return this.registry.contentType;
  }
}

function objectLabels(ref: MetricsObjectRef): { kind: string; name: string; namespace: string } {
  return { kind: ref.kind, name: ref.name, namespace: ref.namespace ?? "" };
}

function refKey(ref: MetricsObjectRef): string {
  return `${ref.kind}/${ref.namespace ?? ""}/${ref.name}`;
}
