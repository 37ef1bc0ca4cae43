import { type Logger, pino } from "pino";
import { ObjectCache } from "../cache/object-cache.js";
import {
  Controller,
  type ControllerOptions,
  LeaderElectionLostError,
  type Runnable,
} from "../controller/controller.js";
import { errorMessage } from "../errors/reconcile-errors.js";
import { ProbeServer } from "../http/probe-server.js";
import { withRestRequestObserver } from "../kube/http-transport.js";
import { KubeClient } from "../kube/kube-client.js";
import type { KubeConfigLike } from "../kube/kube-config.js";
import type { ApiObject } from "../kube/object-ref.js";
import type { RateLimit } from "../kube/rate-limiter.js";
import { LeaderElector, type LeaderElectorOptions } from "../leader/leader-elector.js";
import { MetricsRecorder } from "../metrics/metrics-recorder.js";

/** Leader election settings (`--enable-leader-election` and friends). */
export interface LeaderElectionConfig
  extends Pick<
    LeaderElectorOptions,
    "leaseDuration" | "renewDeadline" | "retryPeriod" | "releaseOnCancel" | "identity"
  > {
  enabled: boolean;
  /** Lease name, e.g. `source-controller-leader-election`. */
  leaseName: string;
  /** Namespace of the lease (the controller's own namespace). */
  leaseNamespace: string;
}

/** Options of {@link Manager}. */
export interface ManagerOptions {
  /** Kubeconfig (the runtime's {@link KubeConfigLike}: ours or client-node's). */
  kubeConfig: KubeConfigLike;
  /** Client to share (default: one made from `kubeConfig` with `rateLimit`). */
  client?: KubeClient;
  /** `--kube-api-qps`/`--kube-api-burst` for the default client; default 50/300. */
  rateLimit?: RateLimit | false;
  /** User-Agent of the default client's requests (the component's name). */
  userAgent?: string;
  logger?: Logger;
  metrics?: MetricsRecorder;
  /** `--metrics-addr`, default `:8080`; `0` disables. */
  metricsAddr?: string;
  /** `--health-addr`, default `:9440`; `0` disables. */
  healthAddr?: string;
  /** Watch only this namespace (default all). */
  watchNamespace?: string;
  leaderElection?: LeaderElectionConfig;
  /** How long runnables may take to stop on shutdown (ms); default 30 s. */
  gracefulShutdownTimeout?: number;
  /** How long to wait for caches to sync before failing start (ms); default 2 min. */
  cacheSyncTimeout?: number;
}

/** Error thrown by {@link Manager.start} when the caches do not sync in time. */
export class CacheSyncTimeoutError extends Error {
  constructor(kinds: string[], ms: number) {
    super(`timed out after ${ms} ms waiting for caches to sync: ${kinds.join(", ")}`);
    this.name = "CacheSyncTimeoutError";
  }
}

/**
 * Runs a controller process (controller-runtime's manager): one Kubernetes client with its rate limit, one
 * shared informer cache, the metrics registry, the `/metrics` `/healthz` `/readyz` server, and the
 * runnables (controllers and others). {@link start} serves probes, starts and syncs the caches (`/readyz`
 * fails until then), starts runnables — those needing leader election only while this process holds the
 * lease — and on shutdown lets them finish in-flight work within the graceful-shutdown timeout. Losing
 * leadership stops every leader-only runnable at once and makes {@link start} reject with
 * {@link LeaderElectionLostError}, so the process exits and restarts as a candidate.
 */
export class Manager {
  readonly client: KubeClient;
  readonly cache: ObjectCache;
  readonly metrics: MetricsRecorder;
  readonly logger: Logger;
  readonly probes: ProbeServer;
  private readonly runnables: Runnable[] = [];
  private started = false;
  private elector: LeaderElector | undefined;

  constructor(private readonly options: ManagerOptions) {
    this.logger = options.logger ?? pino({ level: "silent" });
    this.client =
      options.client ??
      KubeClient.fromKubeConfig(options.kubeConfig, {
        ...(options.rateLimit === undefined ? {} : { rateLimit: options.rateLimit }),
        ...(options.userAgent ? { userAgent: options.userAgent } : {}),
      });
    this.metrics = options.metrics ?? new MetricsRecorder();
    this.cache = new ObjectCache(this.client, { namespace: options.watchNamespace, logger: this.logger });
    this.probes = new ProbeServer({
      metricsAddr: options.metricsAddr ?? ":8080",
      healthAddr: options.healthAddr ?? ":9440",
      metrics: this.metrics,
    });
    this.probes.addReadyzCheck("informers", () => {
      const pending = this.cache.unsynced();
      if (pending.length > 0) throw new Error(`caches not synced: ${pending.join(", ")}`);
    });
  }

  /** Adds a runnable; must be called before {@link start}. */
  add(runnable: Runnable): void {
    if (this.started) throw new Error(`cannot add ${runnable.name}: the manager has started`);
    this.runnables.push(runnable);
  }

  /** Creates a {@link Controller} wired to this manager's cache, metrics and logger, and adds it. */
  controller<T extends ApiObject>(options: Omit<ControllerOptions<T>, "cache" | "metrics" | "logger">): Controller<T> {
    const controller = new Controller<T>({ ...options, cache: this.cache, metrics: this.metrics, logger: this.logger });
    this.add(controller);
    return controller;
  }

  /** Whether this process currently leads (always true without leader election, once started). */
  isLeader(): boolean {
    return this.options.leaderElection?.enabled ? (this.elector?.isLeader() ?? false) : this.started;
  }

  /**
   * Runs until `signal` aborts (then shuts down gracefully and resolves) or leadership is lost (then stops
   * at once and rejects with {@link LeaderElectionLostError}). Rejects if the caches cannot sync.
   */
  start(signal: AbortSignal): Promise<void> {
    if (this.started) return Promise.reject(new Error("manager already started"));
    this.started = true;
    // client-go's rest_client_requests_total: the requests of this manager's run (its caches, controllers,
    // leader election, whatever they start), not those of other managers in the same process.
    return withRestRequestObserver(
      (code, method, host) => this.metrics.recordRestRequest(code, method, host),
      () => this.run(signal),
    );
  }

  private async run(signal: AbortSignal): Promise<void> {
    const log = this.logger;
    const stop = new AbortController();
    const onRootAbort = () => stop.abort(signal.reason);
    if (signal.aborted) onRootAbort();
    else signal.addEventListener("abort", onRootAbort, { once: true });
    let fatal: unknown;
    const fail = (err: unknown) => {
      if (fatal === undefined) fatal = err;
      stop.abort(err);
    };
    const running: Array<Promise<void>> = [];
    const run = (runnable: Runnable, runSignal: AbortSignal) => {
      log.debug({ runnable: runnable.name }, "starting runnable");
      running.push(
        runnable.start(runSignal).catch((err: unknown) => {
          log.error({ runnable: runnable.name, error: err }, "runnable failed");
          fail(err);
        }),
      );
    };

    try {
      await this.probes.start();
      this.cache.start();
      await this.waitForCaches(stop.signal);
      if (stop.signal.aborted) return await this.shutdown(running, fatal);
      log.info("caches synced");

      for (const r of this.runnables.filter((r) => !r.needLeaderElection)) run(r, stop.signal);
      const leaderRunnables = this.runnables.filter((r) => r.needLeaderElection);
      const election = this.options.leaderElection;
      if (election?.enabled) {
        const lease = election.leaseName;
        this.metrics.recordLeader(lease, false);
        this.elector = new LeaderElector({
          client: this.client,
          leaseName: election.leaseName,
          leaseNamespace: election.leaseNamespace,
          logger: log,
          ...pick(election, ["leaseDuration", "renewDeadline", "retryPeriod", "releaseOnCancel", "identity"]),
        });
        const electing = this.elector.run(stop.signal, {
          onStartedLeading: (leadership) => {
            this.metrics.recordLeader(lease, true);
            const lost = new AbortController();
            leadership.addEventListener("abort", () => {
              if (!stop.signal.aborted) lost.abort(new LeaderElectionLostError());
            });
            const leaderSignal = AbortSignal.any([stop.signal, lost.signal]);
            for (const r of leaderRunnables) run(r, leaderSignal);
          },
          onStoppedLeading: () => {
            this.metrics.recordLeader(lease, false);
            if (!stop.signal.aborted) fail(new LeaderElectionLostError());
          },
        });
        running.push(electing.catch((err: unknown) => fail(err)));
      } else {
        for (const r of leaderRunnables) run(r, stop.signal);
      }

      await new Promise<void>((resolve) => {
        if (stop.signal.aborted) resolve();
        else stop.signal.addEventListener("abort", () => resolve(), { once: true });
      });
      await this.shutdown(running, fatal);
    } catch (err: unknown) {
      stop.abort(err);
      await this.shutdown(running, undefined).catch(() => undefined);
      throw err;
    } finally {
      signal.removeEventListener("abort", onRootAbort);
    }
  }

  /**
   * An AbortSignal that aborts on SIGTERM or SIGINT (a second signal exits the process at once), for
   * `manager.start(manager.handleSignals())` in main.
   */
  handleSignals(): AbortSignal {
    const controller = new AbortController();
    const onSignal = (name: NodeJS.Signals) => {
      if (controller.signal.aborted) {
        this.logger.error({ signal: name }, "second signal received, exiting immediately");
        process.exit(1);
      }
      this.logger.info({ signal: name }, "shutdown signal received, stopping");
      controller.abort(new Error(`received ${name}`));
    };
    process.on("SIGTERM", onSignal);
    process.on("SIGINT", onSignal);
    controller.signal.addEventListener(
      "abort",
      () => {
        // Keep listening for the second signal until the process ends.
        setTimeout(() => {
          process.off("SIGTERM", onSignal);
          process.off("SIGINT", onSignal);
        }, this.options.gracefulShutdownTimeout ?? 30_000).unref();
      },
      { once: true },
    );
    return controller.signal;
  }

  private async waitForCaches(signal: AbortSignal): Promise<void> {
    const ms = this.options.cacheSyncTimeout ?? 120_000;
    const timeout = AbortSignal.timeout(ms);
    try {
      await this.cache.waitForSync(AbortSignal.any([signal, timeout]));
    } catch (err: unknown) {
      if (signal.aborted) return;
      if (timeout.aborted) throw new CacheSyncTimeoutError(this.cache.unsynced(), ms);
      throw err;
    }
  }

  private async shutdown(running: Array<Promise<void>>, fatal: unknown): Promise<void> {
    const ms = this.options.gracefulShutdownTimeout ?? 30_000;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timedOut = await Promise.race([
      Promise.allSettled(running).then(() => false),
      new Promise<boolean>((resolve) => {
        timer = setTimeout(() => resolve(true), ms);
      }),
    ]);
    clearTimeout(timer);
    if (timedOut) this.logger.error({ timeoutMs: ms }, "runnables did not stop within the graceful shutdown timeout");
    await this.cache.stop();
    await this.probes.stop();
    this.logger.info("manager stopped");
    this.logger.flush?.();
    if (fatal !== undefined) {
      throw fatal instanceof Error ? fatal : new Error(errorMessage(fatal));
    }
  }
}

function pick<T extends object, K extends keyof T>(obj: T, keys: readonly K[]): Partial<Pick<T, K>> {
  const out: Partial<Pick<T, K>> = {};
  for (const key of keys) if (obj[key] !== undefined) out[key] = obj[key];
  return out;
}
