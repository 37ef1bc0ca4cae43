import { type BackoffOptions, DEFAULT_BACKOFF, ExponentialBackoff } from "./backoff.js";
import { type Clock, systemClock, type TimerHandle } from "./clock.js";

/** Observers of a queue's activity (the metrics module provides a prom-client implementation). */
export interface QueueMetricsHooks {
  /** A key entered the ready queue (not counted when it was already waiting). */
  added?(): void;
  /** The number of keys waiting to run changed. */
  depth?(depth: number): void;
  /** A key waited this many seconds in the ready queue before a worker took it. */
  queueLatency?(seconds: number): void;
  /** A worker spent this many seconds on a key. */
  workDuration?(seconds: number): void;
  /** A key was scheduled for a retry with backoff. */
  retried?(): void;
  /** A worker started on a key (a key runs on one worker at a time). */
  workStarted?(key: string): void;
  /** The worker finished the key. */
  workFinished?(key: string): void;
}

/** Runs one key. `signal` aborts when the queue's shutdown deadline passes. */
export type KeyHandler = (key: string, signal: AbortSignal) => Promise<void>;

/** Options of {@link WorkQueue}. */
export interface WorkQueueOptions {
  /** Name used in metrics (`workqueue_*{name}`) and logs. */
  name: string;
  /** Most keys processed at once (`--concurrent`); default 1. */
  concurrency?: number;
  /** Retry backoff; default 750 ms → 15 min. */
  backoff?: BackoffOptions;
  clock?: Clock;
  metrics?: QueueMetricsHooks;
}

/** The outcome of {@link WorkQueue.shutdown}. */
export interface ShutdownResult {
  /** True when every in-flight key finished before the deadline. */
  drained: boolean;
  /** Keys still running when the deadline passed. */
  abandoned: string[];
}

/**
 * A keyed work queue with client-go's guarantees:
 * - a key added any number of times while it waits runs once;
 * - a key never runs on two workers at once: added while running, it runs again after it finishes;
 * - at most `concurrency` keys run at a time, in the order they became ready;
 * - {@link addAfter} delays a key (the earliest request wins), {@link addRateLimited} delays it with
 *   per-key exponential backoff, {@link forget} resets that backoff;
 * - {@link shutdown} stops taking work and waits for running keys until a deadline.
 */
export class WorkQueue {
  readonly name: string;
  private readonly concurrency: number;
  private readonly clock: Clock;
  private readonly metrics: QueueMetricsHooks;
  private readonly backoff: ExponentialBackoff;
  /** Ready keys in order, each with the time it became ready. */
  private readonly ready = new Map<string, number>();
  /** Keys marked to run again once their current run ends. */
  private readonly dirtyWhileRunning = new Set<string>();
  private readonly running = new Map<string, Promise<void>>();
  private readonly delayed = new Map<string, { at: number; timer: TimerHandle }>();
  private handler: KeyHandler | undefined;
  private shuttingDown = false;
  private readonly abort = new AbortController();
  private idleWaiters: Array<() => void> = [];

  constructor(options: WorkQueueOptions) {
    this.name = options.name;
    this.concurrency = options.concurrency ?? 1;
    if (!Number.isInteger(this.concurrency) || this.concurrency < 1) {
      throw new RangeError(`work queue ${options.name}: concurrency must be a positive integer`);
    }
    this.clock = options.clock ?? systemClock;
    this.metrics = options.metrics ?? {};
    this.backoff = new ExponentialBackoff(options.backoff ?? DEFAULT_BACKOFF);
  }

  /** Starts processing keys with `handler`. Keys added before start wait until then. */
  start(handler: KeyHandler): void {
    if (this.handler) throw new Error(`work queue ${this.name} already started`);
    if (this.shuttingDown) throw new Error(`work queue ${this.name} is shut down`);
    this.handler = handler;
    this.pump();
  }

  /** Makes `key` ready to run (a no-op when it is already waiting or the queue is shutting down). */
  add(key: string): void {
    if (this.shuttingDown) return;
    const pending = this.delayed.get(key);
    if (pending) {
      this.clock.clearTimeout(pending.timer);
      this.delayed.delete(key);
    }
    if (this.running.has(key)) {
      this.dirtyWhileRunning.add(key);
      return;
    }
    if (this.ready.has(key)) return;
    this.ready.set(key, this.clock.now());
    this.metrics.added?.();
    this.metrics.depth?.(this.ready.size);
    this.pump();
  }

  /** Makes `key` ready after `ms` milliseconds; an earlier pending request for the key wins. */
  addAfter(key: string, ms: number): void {
    if (this.shuttingDown) return;
    if (!(ms > 0)) {
      this.add(key);
      return;
    }
    const at = this.clock.now() + ms;
    const pending = this.delayed.get(key);
    if (pending) {
      if (pending.at <= at) return;
      this.clock.clearTimeout(pending.timer);
    }
    const timer = this.clock.setTimeout(() => {
      if (this.delayed.get(key)?.timer !== timer) return;
      this.delayed.delete(key);
      this.add(key);
    }, ms);
    this.delayed.set(key, { at, timer });
  }

  /** Schedules `key` after its next backoff delay and returns that delay (ms). */
  addRateLimited(key: string): number {
    const delay = this.backoff.next(key);
    this.metrics.retried?.();
    this.addAfter(key, delay);
    return delay;
  }

  /** Resets the backoff of `key` (after a successful run). */
  forget(key: string): void {
    this.backoff.forget(key);
  }

  /** Consecutive failed runs of `key` since the last {@link forget}. */
  numRequeues(key: string): number {
    return this.backoff.retries(key);
  }

  /** Drops a pending delayed run of `key` (e.g. its object was deleted). Ready or running keys stay. */
  cancelDelayed(key: string): void {
    const pending = this.delayed.get(key);
    if (!pending) return;
    this.clock.clearTimeout(pending.timer);
    this.delayed.delete(key);
  }

  /** Keys waiting for a worker. */
  get depth(): number {
    return this.ready.size;
  }

  /** Keys being processed right now. */
  get inFlight(): number {
    return this.running.size;
  }

  /** Whether `key` waits for a delayed run. */
  hasDelayed(key: string): boolean {
    return this.delayed.has(key);
  }

  /** Resolves once nothing is ready or running (delayed keys may remain). */
  whenIdle(): Promise<void> {
    if (this.ready.size === 0 && this.running.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /**
   * Stops taking work: pending and delayed keys are dropped, adds are ignored, and running keys get until
   * `deadlineMs` to finish; then their AbortSignal fires and the result lists them.
   */
  async shutdown(deadlineMs: number): Promise<ShutdownResult> {
    this.shuttingDown = true;
    for (const { timer } of this.delayed.values()) this.clock.clearTimeout(timer);
    this.delayed.clear();
    this.ready.clear();
    this.dirtyWhileRunning.clear();
    this.metrics.depth?.(0);
    if (this.running.size === 0) {
      this.notifyIdle();
      return { drained: true, abandoned: [] };
    }
    let timer: TimerHandle | undefined;
    const deadline = new Promise<"deadline">((resolve) => {
      timer = this.clock.setTimeout(() => resolve("deadline"), Math.max(0, deadlineMs));
    });
    const finished = Promise.allSettled([...this.running.values()]).then(() => "finished" as const);
    const outcome = await Promise.race([finished, deadline]);
    this.clock.clearTimeout(timer);
    if (outcome === "finished") return { drained: true, abandoned: [] };
    const abandoned = [...this.running.keys()];
    this.abort.abort(new Error(`work queue ${this.name}: shutdown deadline of ${deadlineMs} ms passed`));
    return { drained: false, abandoned };
  }

  /** Whether {@link shutdown} was called. */
  get isShuttingDown(): boolean {
    return this.shuttingDown;
  }

  private pump(): void {
    const handler = this.handler;
    if (!handler) return;
    while (!this.shuttingDown && this.running.size < this.concurrency && this.ready.size > 0) {
      const [key, readyAt] = this.ready.entries().next().value as [string, number];
      this.ready.delete(key);
      this.metrics.depth?.(this.ready.size);
      const started = this.clock.now();
      this.metrics.queueLatency?.((started - readyAt) / 1000);
      this.metrics.workStarted?.(key);
      const run = this.runOne(handler, key, started);
      this.running.set(key, run);
    }
  }

  private async runOne(handler: KeyHandler, key: string, started: number): Promise<void> {
    try {
      // Defer so the worker slot is registered before the handler can re-enter the queue.
      await Promise.resolve();
      await handler(key, this.abort.signal);
    } catch {
      // The handler owns error handling (requeue, backoff, logging); a throw here must not stop the queue.
    } finally {
      this.metrics.workDuration?.((this.clock.now() - started) / 1000);
      this.metrics.workFinished?.(key);
      this.running.delete(key);
      if (this.dirtyWhileRunning.delete(key)) this.add(key);
      this.pump();
      if (this.ready.size === 0 && this.running.size === 0) this.notifyIdle();
    }
  }

  private notifyIdle(): void {
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const resolve of waiters) resolve();
  }
}
