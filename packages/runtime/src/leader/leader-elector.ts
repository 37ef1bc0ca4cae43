import { randomUUID } from "node:crypto";
import { hostname } from "node:os";
import type { Logger } from "pino";
import { isAlreadyExists, isConflict, toApiError } from "../kube/api-error.js";
import type { KubeClient } from "../kube/kube-client.js";
import { jsonEqual } from "../status/merge-patch.js";
import { formatMicroTime, LEASE_API_VERSION, type Lease, type LeaseSpec } from "./lease.js";

/** Timing of leader election (controller-runtime defaults: 15 s / 10 s / 2 s). */
export interface LeaderElectionTiming {
  /** How long non-leaders wait after the last observed renewal before taking over. */
  leaseDuration: number;
  /** How long the leader keeps trying to renew before giving up leadership. */
  renewDeadline: number;
  /** Time between acquire/renew attempts. */
  retryPeriod: number;
}

/** controller-runtime's defaults. */
export const DEFAULT_LEADER_ELECTION_TIMING: LeaderElectionTiming = {
  leaseDuration: 15_000,
  renewDeadline: 10_000,
  retryPeriod: 2_000,
};

/** Options of {@link LeaderElector}. */
export interface LeaderElectorOptions extends Partial<LeaderElectionTiming> {
  client: KubeClient;
  /** Lease name, e.g. `source-controller-leader-election`. */
  leaseName: string;
  leaseNamespace: string;
  /** This candidate's identity; default `<hostname>_<uuid>` as controller-runtime. */
  identity?: string;
  /** Give the lease up on shutdown so a successor takes over at once (Flux's default). */
  releaseOnCancel?: boolean;
  logger?: Logger;
}

/** Callbacks of {@link LeaderElector.run}. */
export interface LeaderCallbacks {
  /** Leadership acquired; `signal` aborts when it ends (lost or shut down). */
  onStartedLeading(signal: AbortSignal): void;
  /** Leadership ended (lost, or released on shutdown). */
  onStoppedLeading(): void;
  /** Someone (maybe us) is now observed holding the lease. */
  onNewLeader?(identity: string): void;
}

const sleep = (ms: number, signal: AbortSignal) =>
  new Promise<void>((resolve) => {
    if (signal.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal.removeEventListener("abort", done);
      resolve();
    }
    signal.addEventListener("abort", done, { once: true });
  });

/**
 * Leader election on a `coordination.k8s.io/v1` Lease, following client-go's algorithm: candidates try to
 * create or take over the lease every `retryPeriod` (jittered); a lease is free when nobody has renewed it
 * for its `leaseDurationSeconds` (measured from when we last saw it change, so clocks need not agree); the
 * leader renews every `retryPeriod` and gives leadership up when it cannot renew for `renewDeadline`.
 * Writes use the lease's resourceVersion, so two candidates never both win.
 */
export class LeaderElector {
  readonly identity: string;
  private readonly timing: LeaderElectionTiming;
  private observed: LeaseSpec | undefined;
  private observedAt = 0;
  private leading = false;
  private lastLeader: string | undefined;

  constructor(private readonly options: LeaderElectorOptions) {
    this.identity = options.identity ?? `${hostname()}_${randomUUID()}`;
    this.timing = {
      leaseDuration: options.leaseDuration ?? DEFAULT_LEADER_ELECTION_TIMING.leaseDuration,
      renewDeadline: options.renewDeadline ?? DEFAULT_LEADER_ELECTION_TIMING.renewDeadline,
      retryPeriod: options.retryPeriod ?? DEFAULT_LEADER_ELECTION_TIMING.retryPeriod,
    };
    const { leaseDuration, renewDeadline, retryPeriod } = this.timing;
    if (!(leaseDuration > renewDeadline) || !(renewDeadline > retryPeriod * 1.2) || !(retryPeriod > 0)) {
      throw new RangeError(
        "leader election needs leaseDuration > renewDeadline > 1.2 × retryPeriod > 0 " +
          `(got ${leaseDuration}/${renewDeadline}/${retryPeriod} ms)`,
      );
    }
  }

  /** Whether this candidate currently leads. */
  isLeader(): boolean {
    return this.leading;
  }

  /**
   * Campaigns until `signal` aborts: waits to acquire the lease, calls `onStartedLeading`, renews, and calls
   * `onStoppedLeading` when leadership is lost or the signal aborts (releasing the lease if configured).
   * Resolves when done: after losing leadership, or once `signal` aborted.
   */
  async run(signal: AbortSignal, callbacks: LeaderCallbacks): Promise<void> {
    const log = this.options.logger;
    log?.info({ lease: this.leaseId(), identity: this.identity }, "attempting to acquire leader lease");
    while (!signal.aborted) {
      if (await this.tryAcquireOrRenew(callbacks)) break;
      await sleep(this.timing.retryPeriod * (1 + Math.random() * 1.2), signal);
    }
    if (signal.aborted) return;

    this.leading = true;
    log?.info({ lease: this.leaseId(), identity: this.identity }, "successfully acquired lease");
    const leadership = new AbortController();
    callbacks.onStartedLeading(leadership.signal);
    let lastRenew = Date.now();
    let lost = false;
    while (!signal.aborted) {
      await sleep(this.timing.retryPeriod, signal);
      if (signal.aborted) break;
      const remaining = this.timing.renewDeadline - (Date.now() - lastRenew);
      const renewed = await this.withTimeout(this.tryAcquireOrRenew(callbacks), Math.max(remaining, 0));
      if (renewed) {
        lastRenew = Date.now();
      } else if (Date.now() - lastRenew >= this.timing.renewDeadline) {
        lost = true;
        break;
      }
    }
    this.leading = false;
    if (lost) {
      log?.error({ lease: this.leaseId(), identity: this.identity }, "leader election lost");
    } else if (this.options.releaseOnCancel ?? true) {
      await this.release();
    }
    leadership.abort();
    callbacks.onStoppedLeading();
  }

  private leaseId(): string {
    return `${this.options.leaseNamespace}/${this.options.leaseName}`;
  }

  private ref() {
    return {
      apiVersion: LEASE_API_VERSION,
      kind: "Lease",
      namespace: this.options.leaseNamespace,
      name: this.options.leaseName,
    };
  }

  private async withTimeout(attempt: Promise<boolean>, ms: number): Promise<boolean> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<boolean>((resolve) => {
      timer = setTimeout(() => resolve(false), ms);
    });
    try {
      return await Promise.race([attempt, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  private async tryAcquireOrRenew(callbacks: LeaderCallbacks): Promise<boolean> {
    const client = this.options.client;
    const now = new Date();
    const mine: LeaseSpec = {
      holderIdentity: this.identity,
      leaseDurationSeconds: Math.ceil(this.timing.leaseDuration / 1000),
      acquireTime: formatMicroTime(now),
      renewTime: formatMicroTime(now),
      leaseTransitions: 0,
    };
    try {
      const lease = await client.getOptional<Lease>(this.ref());
      if (!lease) {
        await client.create<Lease>({
          apiVersion: LEASE_API_VERSION,
          kind: "Lease",
          metadata: { name: this.options.leaseName, namespace: this.options.leaseNamespace },
          spec: mine,
        });
        this.observe(mine, now, callbacks);
        return true;
      }
      const current = lease.spec ?? {};
      if (!this.observed || !jsonEqual(this.observed, current)) this.observe(current, now, callbacks);
      const holder = current.holderIdentity ?? "";
      const duration = (current.leaseDurationSeconds ?? 0) * 1000;
      if (holder !== "" && holder !== this.identity && this.observedAt + duration > now.getTime()) return false;
      const next: LeaseSpec =
        holder === this.identity
          ? {
              ...mine,
              acquireTime: current.acquireTime ?? mine.acquireTime ?? null,
              leaseTransitions: current.leaseTransitions ?? 0,
            }
          : { ...mine, leaseTransitions: (current.leaseTransitions ?? 0) + 1 };
      await client.replace<Lease>({ ...lease, spec: { ...current, ...next } });
      this.observe(next, now, callbacks);
      return true;
    } catch (err: unknown) {
      if (!isConflict(err) && !isAlreadyExists(err)) {
        this.options.logger?.warn(
          { lease: this.leaseId(), error: toApiError(err).message },
          "error retrieving or updating the leader lease",
        );
      }
      return false;
    }
  }

  private observe(spec: LeaseSpec, at: Date, callbacks: LeaderCallbacks): void {
    this.observed = structuredClone(spec);
    this.observedAt = at.getTime();
    const holder = spec.holderIdentity ?? "";
    if (holder && holder !== this.lastLeader) {
      this.lastLeader = holder;
      if (holder !== this.identity)
        this.options.logger?.info({ lease: this.leaseId(), leader: holder }, "new leader elected");
      callbacks.onNewLeader?.(holder);
    }
  }

  private async release(): Promise<void> {
    try {
      const lease = await this.options.client.getOptional<Lease>(this.ref());
      if (!lease || lease.spec?.holderIdentity !== this.identity) return;
      const now = formatMicroTime(new Date());
      await this.options.client.replace<Lease>({
        ...lease,
        spec: {
          ...lease.spec,
          holderIdentity: null,
          leaseDurationSeconds: 1,
          acquireTime: now,
          renewTime: now,
        },
      });
      this.options.logger?.info({ lease: this.leaseId() }, "released leader lease");
    } catch (err: unknown) {
      this.options.logger?.warn({ lease: this.leaseId(), error: toApiError(err).message }, "failed to release lease");
    }
  }
}
