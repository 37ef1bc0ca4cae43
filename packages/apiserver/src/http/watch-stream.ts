import type { IncomingMessage, ServerResponse } from "node:http";
import type { ListOptions } from "../api/list-options.js";
import type { ResourceService } from "../api/resource-service.js";
import { ApiError, expired } from "../errors.js";
import { apiVersionOf, type ResourceType, storageKeyOf } from "../resources/resource-type.js";
import type { StoreEvent } from "../store/watch-event.js";
import type { JsonObject } from "../util/json.js";
import type { KubeObject } from "../util/meta.js";
import { serializeCached } from "../util/serialize.js";

/** Turns an object into the JSON text of a watch event's `object`. */
export type WatchObjectEncoder = (obj: KubeObject) => string;

/** Options of one watch request. */
export interface WatchRequest {
  rt: ResourceType;
  namespace: string;
  opts: ListOptions;
  encode: WatchObjectEncoder;
  /** Interval between BOOKMARK events when the client allows them. */
  bookmarkIntervalMs: number;
  /** Upper bound for a watch without timeoutSeconds. */
  defaultTimeoutSeconds: number;
}

const MAX_BUFFERED = 32 * 1024 * 1024;

/** Number of open watch streams (for metrics and tests). */
let openWatches = 0;

/** How many watch streams are open in this process. */
export function openWatchCount(): number {
  return openWatches;
}

/**
 * Serves a watch: initial events (when no or "0" resourceVersion, or sendInitialEvents), then history since the
 * given resourceVersion (an ERROR event with 410 Expired when it is too old), then live events filtered by
 * namespace and selectors, BOOKMARKs, until timeoutSeconds or the client goes away.
 */
export function serveWatch(svc: ResourceService, req: IncomingMessage, res: ServerResponse, w: WatchRequest): void {
  const { rt, namespace, opts } = w;
  const collection = svc.store.collection(storageKeyOf(rt));
  res.writeHead(200, {
    "Content-Type": "application/json",
    "Cache-Control": "no-cache, private",
    "Transfer-Encoding": "chunked",
  });
  res.flushHeaders();
  let closed = false;
  let lastRv = svc.store.currentRv;
  const write = (type: string, objectJson: string): void => {
    if (closed) return;
    res.write(`{"type":"${type}","object":${objectJson}}\n`);
    if (res.writableLength > MAX_BUFFERED) finish();
  };
  const view = (o: KubeObject): KubeObject => svc.toVersion(rt, o);
  const matches = (o: KubeObject | undefined): boolean => o !== undefined && svc.matches(rt, view(o), namespace, opts);
  const deliver = (e: StoreEvent): void => {
    const now = matches(e.object);
    const before = e.type === "MODIFIED" ? matches(e.previous) : now;
    lastRv = e.rv;
    if (e.type === "MODIFIED") {
      if (now && before) write("MODIFIED", w.encode(view(e.object)));
      else if (now) write("ADDED", w.encode(view(e.object)));
      else if (before) write("DELETED", w.encode(view(e.object)));
      return;
    }
    if (now) write(e.type, w.encode(view(e.object)));
  };
  const bookmark = (extraAnnotations?: Record<string, string>): void => {
    const meta: JsonObject = { resourceVersion: String(lastRv), creationTimestamp: null };
    if (extraAnnotations) meta["annotations"] = extraAnnotations;
    write("BOOKMARK", JSON.stringify({ kind: rt.kind, apiVersion: apiVersionOf(rt), metadata: meta }));
  };

  const rvParam = opts.resourceVersion;
  const initial = opts.sendInitialEvents === true || rvParam === undefined || rvParam === "0";
  let backlog: Iterable<StoreEvent> = [];
  if (!initial) {
    const rv = Number(rvParam);
    if (!Number.isInteger(rv) || rv < 0) {
      const err = new ApiError(
        400,
        "BadRequest",
        `resourceVersion: Invalid value: "${rvParam}": must be a non-negative integer`,
      );
      write("ERROR", JSON.stringify(err.toStatus()));
      res.end();
      return;
    }
    const events = collection.eventsSince(rv);
    if (events === undefined) {
      const err = expired(`too old resource version: ${rv} (${collection.compactedRv + 1})`);
      write("ERROR", JSON.stringify(err.toStatus()));
      res.end();
      return;
    }
    backlog = events;
  }
  openWatches++;
  const unsubscribe = collection.subscribe(deliver);
  if (initial) {
    const rv = svc.store.currentRv;
    for (const key of collection.keysSorted()) {
      const o = collection.items.get(key);
      if (o && matches(o)) write("ADDED", w.encode(view(o)));
    }
    lastRv = rv;
    if (opts.sendInitialEvents === true && opts.allowWatchBookmarks) bookmark({ "k8s.io/initial-events-end": "true" });
  } else {
    for (const e of backlog) deliver(e);
  }
  const timers: NodeJS.Timeout[] = [];
  const timeoutSeconds =
    opts.timeoutSeconds !== undefined && opts.timeoutSeconds > 0
      ? opts.timeoutSeconds
      : w.defaultTimeoutSeconds * (1 + Math.random());
  timers.push(setTimeout(() => finish(), timeoutSeconds * 1000));
  if (opts.allowWatchBookmarks) {
    const t = setInterval(() => {
      lastRv = Math.max(lastRv, svc.store.currentRv);
      bookmark();
    }, w.bookmarkIntervalMs);
    timers.push(t);
  }
  function finish(): void {
    if (closed) return;
    closed = true;
    openWatches--;
    unsubscribe();
    for (const t of timers) clearTimeout(t);
    res.end();
  }
  req.on("close", finish);
  res.on("close", finish);
}

/** Encoder for plain JSON objects (cached per object). */
export function jsonObjectEncoder(): WatchObjectEncoder {
  return (obj) => serializeCached(obj);
}
