// The Server-Sent Events stream: every row change of the hub, coalesced per object over a short window, to
// every connected browser.

import type { IncomingMessage, ServerResponse } from "node:http";
import type { StreamMessage } from "../shared/api.js";
import type { WatchHub } from "./watch-hub.js";

/** How long changes are gathered before they are sent (ms): bursts become one write per client. */
const FLUSH_MS = 50;
/** More changes than this in one window are sent as one `resync` (the browser re-reads its page). */
const MAX_BATCH = 200;
/** A comment line this often keeps proxies from closing an idle stream (ms). */
const HEARTBEAT_MS = 25_000;

/** Fans the hub's changes out to browsers over `text/event-stream`. */
export class EventStream {
  private readonly clients = new Set<ServerResponse>();
  private pending = new Map<string, StreamMessage>();
  private timer: ReturnType<typeof setTimeout> | undefined;
  private readonly heartbeat: ReturnType<typeof setInterval>;
  private readonly unsubscribe: () => void;

  constructor(private readonly hub: WatchHub) {
    this.unsubscribe = hub.subscribe((m) => this.enqueue(m));
    this.heartbeat = setInterval(() => this.writeAll(": keep-alive\n\n"), HEARTBEAT_MS);
    this.heartbeat.unref();
  }

  /** Number of connected browsers. */
  get size(): number {
    return this.clients.size;
  }

  /** Answers a `GET /api/events` with the stream, starting with a `hello` carrying the current sequence. */
  attach(req: IncomingMessage, res: ServerResponse): void {
    res.writeHead(200, {
      "Content-Type": "text/event-stream; charset=utf-8",
      "Cache-Control": "no-store",
      Connection: "keep-alive",
      "X-Accel-Buffering": "no",
    });
    res.write("retry: 2000\n\n");
    res.write(frame({ type: "hello", seq: this.hub.seq }));
    this.clients.add(res);
    req.socket.setNoDelay(true);
    const drop = () => this.clients.delete(res);
    req.on("close", drop);
    res.on("error", drop);
  }

  /** Ends every stream. */
  close(): void {
    this.unsubscribe();
    clearInterval(this.heartbeat);
    if (this.timer) clearTimeout(this.timer);
    for (const res of this.clients) res.end();
    this.clients.clear();
  }

  private enqueue(message: StreamMessage): void {
    if (this.clients.size === 0) return;
    const key = message.type === "upsert" ? message.object.id : message.type === "delete" ? message.id : "";
    this.pending.delete(key);
    this.pending.set(key, message);
    this.timer ??= setTimeout(() => this.flush(), FLUSH_MS);
  }

  private flush(): void {
    this.timer = undefined;
    const batch = [...this.pending.values()];
    this.pending = new Map();
    if (batch.length === 0) return;
    const text =
      batch.length > MAX_BATCH ? frame({ type: "resync", seq: this.hub.seq }) : batch.map((m) => frame(m)).join("");
    this.writeAll(text);
  }

  private writeAll(text: string): void {
    for (const res of this.clients) res.write(text);
  }
}

function frame(message: StreamMessage): string {
  return `id: ${message.seq}\ndata: ${JSON.stringify(message)}\n\n`;
}
