import { isNotFound } from "../kube/api-error.js";
import type { KubeClient } from "../kube/kube-client.js";
import type { ApiObject } from "../kube/object-ref.js";
import { involvedObjectOf, metaTime } from "./flux-event.js";
import type { InvolvedObject, KubeEventTypeName } from "./types.js";

/** How Kubernetes Events are correlated before writing (client-go's EventCorrelator defaults). */
export interface KubeEventWriterOptions {
  client: KubeClient;
  /** `source.component` and `reportingComponent`, e.g. `kustomize-controller`. */
  component: string;
  /** `source.host` and `reportingInstance` (the pod hostname). */
  host: string;
  now?: () => Date;
  /** Distinct messages with one object/type/reason within `similarWindowMs` before they are combined (10). */
  maxSimilar?: number;
  /** Window of the similar-event aggregation in ms (10 min). */
  similarWindowMs?: number;
  /** Per-object event budget: a burst of `burst` then one per `refillMs` (25, 5 min); `false` disables. */
  spamFilter?: { burst: number; refillMs: number } | false;
  /** Remembered events for de-duplication (4096). */
  cacheSize?: number;
}

/** What happened to one event: a new Event object, a count bump of an existing one, or dropped as spam. */
export type KubeEventOutcome = "created" | "updated" | "dropped";

/** One event to write. */
export interface KubeEventRecord {
  type: KubeEventTypeName;
  reason: string;
  message: string;
  annotations?: Record<string, string> | undefined;
}

interface SeenEvent {
  name: string;
  namespace: string;
  count: number;
  firstTimestamp: string;
}

interface SimilarRecord {
  messages: Set<string>;
  last: number;
}

interface Bucket {
  tokens: number;
  updated: number;
}

/** The core/v1 Event object written to the API. */
export interface KubeEvent {
  apiVersion: "v1";
  kind: "Event";
  metadata: { name: string; namespace: string; annotations?: Record<string, string> };
  involvedObject: InvolvedObject;
  type: KubeEventTypeName;
  reason: string;
  message: string;
  source: { component: string; host?: string };
  reportingComponent: string;
  reportingInstance: string;
  firstTimestamp: string;
  lastTimestamp: string;
  count: number;
}

const combinedPrefix = "(combined from similar events): ";

/**
 * Writes core/v1 Events the way client-go's recorder does: an identical event (same object, type, reason,
 * message) bumps `count` and `lastTimestamp` of the Event already written instead of creating another;
 * more than `maxSimilar` distinct messages for one object/type/reason within the window are combined into
 * one Event whose message is the latest; a per-object token bucket drops event storms. Writes for one
 * object are serialized. Failures are thrown to the caller (the recorder logs them).
 */
export class KubeEventWriter {
  readonly #options: KubeEventWriterOptions;
  readonly #seen = new Map<string, SeenEvent>();
  readonly #similar = new Map<string, SimilarRecord>();
  readonly #buckets = new Map<string, Bucket>();
  readonly #chains = new Map<string, Promise<unknown>>();

  constructor(options: KubeEventWriterOptions) {
    this.#options = options;
  }

  /** Writes (or correlates) one event about `obj`. */
  write(obj: ApiObject, record: KubeEventRecord): Promise<KubeEventOutcome> {
    const involved = involvedObjectOf(obj);
    const objectKey = [involved.apiVersion, involved.kind, involved.namespace, involved.name, involved.uid].join("\0");
    const previous = this.#chains.get(objectKey) ?? Promise.resolve();
    const next = previous.catch(() => {}).then(() => this.#write(objectKey, involved, record));
    this.#chains.set(objectKey, next);
    void next
      .catch(() => {})
      .then(() => {
        if (this.#chains.get(objectKey) === next) this.#chains.delete(objectKey);
      });
    return next;
  }

  async #write(objectKey: string, involved: InvolvedObject, record: KubeEventRecord): Promise<KubeEventOutcome> {
    const now = this.#options.now?.() ?? new Date();
    const timestamp = metaTime(now);
    if (!this.#allow(objectKey, now.getTime())) return "dropped";

    const baseKey = [objectKey, this.#options.component, this.#options.host, record.type, record.reason].join("\0");
    let key = `${baseKey}\0${record.message}`;
    let message = record.message;
    if (this.#isSimilarBurst(baseKey, record.message, now.getTime())) {
      key = baseKey;
      message = combinedPrefix + record.message;
    }

    const seen = this.#seen.get(key);
    const client = this.#options.client;
    if (seen) {
      seen.count += 1;
      this.#touch(key, seen);
      try {
        await client.patch(
          { apiVersion: "v1", kind: "Event", namespace: seen.namespace, name: seen.name },
          { count: seen.count, lastTimestamp: timestamp, message },
          { type: "application/merge-patch+json" },
        );
        return "updated";
      } catch (err: unknown) {
        if (!isNotFound(err)) throw err;
        // The Event expired (TTL) or was deleted: write it anew, keeping the count.
      }
    }
    const event: KubeEvent = {
      apiVersion: "v1",
      kind: "Event",
      metadata: {
        name: `${involved.name}.${uniqueSuffix(now)}`,
        namespace: involved.namespace || "default",
        ...(record.annotations && Object.keys(record.annotations).length > 0
          ? { annotations: record.annotations }
          : {}),
      },
      involvedObject: involved,
      type: record.type,
      reason: record.reason,
      message,
      source: { component: this.#options.component, ...(this.#options.host ? { host: this.#options.host } : {}) },
      reportingComponent: this.#options.component,
      reportingInstance: this.#options.host,
      firstTimestamp: seen?.firstTimestamp ?? timestamp,
      lastTimestamp: timestamp,
      count: seen?.count ?? 1,
    };
    try {
      await client.create(event);
    } catch (err: unknown) {
      this.#seen.delete(key);
      throw err;
    }
    this.#touch(key, {
      name: event.metadata.name,
      namespace: event.metadata.namespace,
      count: event.count,
      firstTimestamp: event.firstTimestamp,
    });
    return "created";
  }

  #touch(key: string, seen: SeenEvent): void {
    this.#seen.delete(key);
    this.#seen.set(key, seen);
    const limit = this.#options.cacheSize ?? 4096;
    while (this.#seen.size > limit) {
      const oldest = this.#seen.keys().next().value as string;
      this.#seen.delete(oldest);
    }
  }

  #isSimilarBurst(baseKey: string, message: string, now: number): boolean {
    const window = this.#options.similarWindowMs ?? 10 * 60_000;
    const max = this.#options.maxSimilar ?? 10;
    let record = this.#similar.get(baseKey);
    if (!record || now - record.last > window) {
      record = { messages: new Set(), last: now };
      this.#similar.delete(baseKey);
      this.#similar.set(baseKey, record);
      if (this.#similar.size > (this.#options.cacheSize ?? 4096)) {
        this.#similar.delete(this.#similar.keys().next().value as string);
      }
    }
    record.messages.add(message);
    record.last = now;
    return record.messages.size > max;
  }

  #allow(objectKey: string, now: number): boolean {
    const filter = this.#options.spamFilter ?? { burst: 25, refillMs: 5 * 60_000 };
    if (filter === false) return true;
    let bucket = this.#buckets.get(objectKey);
    if (!bucket) {
      bucket = { tokens: filter.burst, updated: now };
      this.#buckets.set(objectKey, bucket);
      if (this.#buckets.size > (this.#options.cacheSize ?? 4096)) {
        this.#buckets.delete(this.#buckets.keys().next().value as string);
      }
    }
    const refill = Math.floor((now - bucket.updated) / filter.refillMs);
    if (refill > 0) {
      bucket.tokens = Math.min(filter.burst, bucket.tokens + refill);
      bucket.updated += refill * filter.refillMs;
    }
    if (bucket.tokens < 1) return false;
    bucket.tokens -= 1;
    return true;
  }
}

let lastSuffix = 0n;

/** client-go names Events `<object>.<hex unix nanoseconds>`; kept strictly increasing within the process. */
function uniqueSuffix(now: Date): string {
  let nanos = BigInt(now.getTime()) * 1_000_000n + (process.hrtime.bigint() % 1_000_000n);
  if (nanos <= lastSuffix) nanos = lastSuffix + 1n;
  lastSuffix = nanos;
  return nanos.toString(16);
}
