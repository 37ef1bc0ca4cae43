// Waiting for a set of objects to become ready by WATCHING them (one list+watch per kind and namespace,
// shared by every check of the process), so readiness is noticed as soon as the API server reports it
// instead of at the next poll.

import type { Informer } from "../cache/informer.js";
import type { KubeClient } from "../kube/kube-client.js";
import { type ObjectRef, objectKey, type UnstructuredObject } from "../kube/object-ref.js";
import { WaitError } from "./errors.js";
import { computeStatus, ObjectStatus, type ObjectStatusName, type StatusResult } from "./kstatus.js";
import { formatObjectId, objMetadataOf, subjectOf } from "./object-id.js";
import { SharedWatches, sharedWatches, type WatchLease } from "./shared-watches.js";
import { olderThanWritten, type WrittenVersions, writtenVersions } from "./written-versions.js";

/** Computes one object's status; the default is kstatus ({@link computeStatus}). */
export type StatusReader = (obj: UnstructuredObject) => StatusResult;

/** Settings of {@link watchForSet}. */
export interface WatchWaitOptions {
  /** Give up after this many ms (default 60 s). */
  timeout?: number;
  /** Stop at the first object that Failed. */
  failFast?: boolean;
  /** Ids whose absence counts as ready (Jobs with `ttlSecondsAfterFinished`). */
  allowNotFound?: ReadonlySet<string>;
  /** Status of each object (default kstatus); lets callers add CEL health expressions. */
  statusReader?: StatusReader;
  /** Aborts the wait (rejects with the signal's reason). */
  signal?: AbortSignal;
  /** Watch caches to use (default: shared by the process); `false` lists and watches for this wait alone. */
  watches?: SharedWatches | false;
  /** Versions our applies wrote (default: the process's); older cached states are not judged. */
  written?: WrittenVersions;
}

/** The objects of one kind and namespace a wait follows, by cache key (`namespace/name`, or `name`). */
interface WatchGroup {
  apiVersion: string;
  kind: string;
  namespace: string | undefined;
  objects: Map<string, Tracked>;
}

interface Tracked {
  ref: ObjectRef;
  id: string;
  subject: string;
  result: { status: ObjectStatusName; message: string };
}

/**
 * Waits until every object is Current by `statusReader` (kstatus by default), watching each kind and
 * namespace involved instead of polling. The watch caches are shared with the process's other checks
 * ({@link SharedWatches}); a cached state older than the version our last apply of that object wrote
 * ({@link WrittenVersions}) is not judged, the check waits for the watch to deliver the applied one. Rejects with a {@link WaitError} naming each object, its status and
 * message when the timeout passes (`timeout waiting for: [...]`), when every object has settled and some
 * Failed, or at the first failure with `failFast`.
 */
export async function watchForSet(
  client: KubeClient,
  refs: readonly ObjectRef[],
  options: WatchWaitOptions = {},
): Promise<void> {
  if (refs.length === 0) return;
  const read = options.statusReader ?? computeStatus;
  const allowNotFound = options.allowNotFound ?? new Set<string>();
  const tracked = new Map<string, Tracked>();
  for (const ref of refs) {
    const asObj = {
      apiVersion: ref.apiVersion,
      kind: ref.kind,
      metadata: { name: ref.name, namespace: ref.namespace },
    };
    const id = formatObjectId(objMetadataOf(asObj as Parameters<typeof objMetadataOf>[0]));
    tracked.set(trackKey(ref.apiVersion, ref.kind, ref.namespace, ref.name), {
      ref,
      id,
      subject: subjectOf(asObj as Parameters<typeof subjectOf>[0]),
      result: { status: ObjectStatus.NotFound, message: "object not found" },
    });
  }
  // One informer per kind and namespace; in each, the objects this wait follows by cache key.
  const groups = new Map<string, WatchGroup>();
  for (const ref of refs) {
    const groupKey = `${ref.apiVersion}|${ref.kind}|${ref.namespace ?? ""}`;
    let group = groups.get(groupKey);
    if (!group) {
      group = { apiVersion: ref.apiVersion, kind: ref.kind, namespace: ref.namespace, objects: new Map() };
      groups.set(groupKey, group);
    }
    const t = tracked.get(trackKey(ref.apiVersion, ref.kind, ref.namespace, ref.name));
    if (t && ref.name) group.objects.set(objectKey(ref), t);
  }
  const written = options.written ?? writtenVersions;
  const pool = options.watches === false ? new SharedWatches(0) : (options.watches ?? sharedWatches);
  const leases: WatchLease[] = [];
  const informers: Informer<UnstructuredObject>[] = [];
  const removers: Array<() => void> = [];
  let initial = false;
  let settle!: (err?: Error) => void;
  const done = new Promise<void>((resolve, reject) => {
    settle = (err) => (err ? reject(err) : resolve());
  });
  let finished = false;
  const synced = new Set<Informer<UnstructuredObject>>();

  const evaluate = (): void => {
    if (finished || synced.size < informers.length) return;
    const effective = [...tracked.values()].map((t) =>
      t.result.status === ObjectStatus.NotFound && allowNotFound.has(t.id)
        ? { ...t, result: { status: ObjectStatus.Current, message: t.result.message } }
        : t,
    );
    if (effective.every((t) => t.result.status === ObjectStatus.Current)) {
      finish();
      return;
    }
    const failed = effective.filter((t) => t.result.status === ObjectStatus.Failed);
    const settled = effective.every(
      (t) => t.result.status === ObjectStatus.Current || t.result.status === ObjectStatus.Failed,
    );
    if (failed.length > 0 && (options.failFast || settled)) {
      finish(problemError("failed early due to stalled resources", failed));
    }
  };
  const finish = (err?: Error): void => {
    if (finished) return;
    finished = true;
    settle(err);
  };
  const update = (t: Tracked, obj: UnstructuredObject, gone: boolean): void => {
    const applied = written.get(t.ref.apiVersion, t.ref.kind, t.ref.namespace, t.ref.name);
    if (!gone && olderThanWritten(obj, applied, initial)) return;
    if (gone) t.result = { status: ObjectStatus.NotFound, message: "object not found" };
    else {
      try {
        t.result = read(obj);
      } catch (err: unknown) {
        t.result = { status: ObjectStatus.Unknown, message: err instanceof Error ? err.message : String(err) };
      }
    }
    evaluate();
  };

  const timer = setTimeout(() => {
    const pending = [...tracked.values()].filter(
      (t) =>
        t.result.status !== ObjectStatus.Current &&
        !(t.result.status === ObjectStatus.NotFound && allowNotFound.has(t.id)),
    );
    finish(problemError("timeout waiting for", pending));
  }, options.timeout ?? 60_000);
  const onAbort = () => finish(options.signal?.reason instanceof Error ? options.signal.reason : new Error("aborted"));
  options.signal?.addEventListener("abort", onAbort, { once: true });
  if (options.signal?.aborted) onAbort();

  try {
    for (const group of groups.values()) {
      const lease = pool.acquire(client, group.apiVersion, group.kind, group.namespace);
      leases.push(lease);
      informers.push(lease.informer);
    }
    for (const [i, group] of [...groups.values()].entries()) {
      const informer = informers[i]!;
      const dispatcher = leases[i]!.dispatcher;
      // A synced shared informer hands the cached state of each object to its subscriber at once: those
      // states may be from before our apply (see olderThanWritten).
      initial = true;
      for (const [key, t] of group.objects) {
        removers.push(
          dispatcher.subscribe([key], {
            onAdd: (obj) => update(t, withGvk(obj, group), false),
            onUpdate: (_old, obj) => update(t, withGvk(obj, group), false),
            onDelete: (obj) => update(t, withGvk(obj, group), true),
          }),
        );
      }
      initial = false;
      void informer.waitForSync().then(
        () => {
          synced.add(informer);
          evaluate();
        },
        () => undefined,
      );
    }
    await done;
  } finally {
    clearTimeout(timer);
    options.signal?.removeEventListener("abort", onAbort);
    for (const remove of removers) remove();
    for (const lease of leases) lease.release();
  }
}

function trackKey(apiVersion: string, kind: string, namespace: string | undefined, name: string): string {
  const group = apiVersion.includes("/") ? apiVersion.slice(0, apiVersion.lastIndexOf("/")) : "";
  return `${group}|${kind}|${namespace ?? ""}|${name}`;
}

/** List responses may omit apiVersion/kind on items: put the watched kind back. */
function withGvk(obj: UnstructuredObject, gvk: { apiVersion: string; kind: string }): UnstructuredObject {
  if (obj.apiVersion && obj.kind) return obj;
  return { ...obj, apiVersion: gvk.apiVersion, kind: gvk.kind };
}

function problemError(prefix: string, problems: Tracked[]): WaitError {
  const list = problems.map((p) => `${p.subject} status: '${p.result.status}': ${p.result.message}`).join(", ");
  return new WaitError(
    `${prefix}: [${list}]`,
    problems.map((p) => ({ subject: p.subject, status: p.result.status, message: p.result.message })),
  );
}
