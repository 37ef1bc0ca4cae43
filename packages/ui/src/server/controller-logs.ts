// The controllers' log lines about one object, for the object page's log viewer. On a cluster they come from
// the controller Pods through the pods/log API (with the UI's own identity; the lines are filtered to the
// object here); under `sluice up`, where no controller Pod serves pods/log, from its JSON log files
// (`<data dir>/logs/<controller>.log`). Lines are parsed and matched as `sluice logs` does.

import { createReadStream } from "node:fs";
import { open, readdir, stat } from "node:fs/promises";
import { basename, join } from "node:path";
import { createInterface } from "node:readline";
import type { Readable } from "node:stream";
import type { KubeClient, UnstructuredObject } from "@sluice/runtime/kube";
import { type LogFilter, matchesLog, parseLogLine } from "@sluice/runtime/logging";
import type { LogLine } from "../shared/api.js";

/** Where the controllers' logs are. */
export interface ControllerLogsOptions {
  /** Namespace of the controller Pods (the chart's release namespace; default flux-system). */
  namespace?: string | undefined;
  /** `sluice up`'s log directory, read when no controller Pod serves pods/log. */
  dir?: string | undefined;
}

/** Labels of the controllers' Pods: Flux's `app.kubernetes.io/part-of=flux` and Sluice's chart's `=sluice`. */
export const CONTROLLER_POD_SELECTOR = "app.kubernetes.io/part-of in (flux,sluice)";
/** Lines scanned back per controller for the first answer (the object's lines are a fraction of them). */
const SCAN_LINES = 5000;
/** Bytes read back from the end of each log file for the first answer. */
const SCAN_BYTES = 8 * 1024 * 1024;
const POLL_MS = 250;

/** One read of the logs: lines about an object, the last `tail` of them, then new ones until `signal`. */
export interface LogRead {
  filter: LogFilter;
  tail: number;
  signal: AbortSignal;
  /** Receives matching lines in order, in batches. */
  sink: (lines: LogLine[]) => void;
}

/** A controller log source not available here (no Pods, no pods/log, no files). */
export class LogsUnavailableError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "LogsUnavailableError";
  }
}

function toLine(raw: string, controller: string, filter: LogFilter): LogLine | undefined {
  const e = parseLogLine(raw);
  if (!e || !matchesLog(e, filter)) return undefined;
  return { ts: e.ts, level: e.level, msg: e.msg, error: e.error ?? "", controller };
}

/** Reads controller logs from Pods when the API serves them, else from `sluice up`'s files. */
export class ControllerLogs {
  constructor(
    private readonly client: KubeClient,
    private readonly options: ControllerLogsOptions,
  ) {}

  /** Streams the object's lines; resolves with where they came from once the first lines are sent. */
  async read(read: LogRead): Promise<"pods" | "files"> {
    let why = `no running controller Pod in namespace ${this.namespace} (label ${CONTROLLER_POD_SELECTOR})`;
    const pods = await this.controllerPods().catch((err: unknown) => {
      why = `listing the controller Pods in namespace ${this.namespace}: ${err instanceof Error ? err.message : String(err)}`;
      return [];
    });
    if (pods.length > 0) {
      const status = await this.openPodLogs(pods, read);
      if (status === 0) return "pods";
      why = `pods/log of the controller Pods in namespace ${this.namespace} answered ${status}`;
    }
    if (this.options.dir) {
      await readFiles(this.options.dir, read);
      return "files";
    }
    throw new LogsUnavailableError(why);
  }

  private get namespace(): string {
    return this.options.namespace ?? "flux-system";
  }

  private async controllerPods(): Promise<UnstructuredObject[]> {
    const list = await this.client.list<UnstructuredObject>("v1", "Pod", {
      namespace: this.namespace,
      labelSelector: CONTROLLER_POD_SELECTOR,
    });
    return list.items.filter((p) => (p["status"] as { phase?: string } | undefined)?.phase === "Running");
  }

  /** Follows every Pod's log: 0, or the first Pod's error status (then files are tried). */
  private async openPodLogs(pods: UnstructuredObject[], read: LogRead): Promise<number> {
    const opened: Array<{ stream: Readable; controller: string }> = [];
    for (const pod of pods) {
      const name = pod.metadata.name ?? "";
      const containers = ((pod["spec"] as { containers?: { name: string }[] } | undefined)?.containers ?? []).map(
        (c) => c.name,
      );
      const res = await this.client.http.open({
        method: "GET",
        path: `/api/v1/namespaces/${encodeURIComponent(this.namespace)}/pods/${encodeURIComponent(name)}/log`,
        query: { container: containers.length > 1 ? "manager" : undefined, follow: true, tailLines: SCAN_LINES },
        signal: read.signal,
      });
      if ((res.statusCode ?? 0) >= 400) {
        res.resume();
        if (opened.length === 0) return res.statusCode ?? 500;
        continue;
      }
      opened.push({ stream: res, controller: pod.metadata.labels?.["app"] ?? name });
    }
    const batcher = new Batcher(read);
    for (const { stream, controller } of opened) {
      const lines = createInterface({ input: stream, crlfDelay: Number.POSITIVE_INFINITY });
      read.signal.addEventListener("abort", () => stream.destroy(), { once: true });
      void (async () => {
        try {
          for await (const raw of lines) {
            const line = toLine(raw, controller, read.filter);
            if (line) batcher.add(line);
          }
        } catch {
          // The browser went away or the Pod restarted: the viewer reconnects.
        }
      })();
    }
    return 0;
  }
}

/** Gathers lines for 100 ms before sending, so a burst is one message; keeps at most `tail` pending. */
class Batcher {
  private pending: LogLine[] = [];
  private timer: ReturnType<typeof setTimeout> | undefined;

  constructor(private readonly read: LogRead) {}

  add(line: LogLine): void {
    this.pending.push(line);
    if (this.pending.length > this.read.tail) this.pending.shift();
    this.timer ??= setTimeout(() => this.flush(), 100);
  }

  private flush(): void {
    this.timer = undefined;
    const lines = this.pending;
    this.pending = [];
    if (lines.length > 0 && !this.read.signal.aborted) this.read.sink(lines);
  }
}

async function readTail(path: string, size: number): Promise<string> {
  const start = Math.max(0, size - SCAN_BYTES);
  const handle = await open(path, "r");
  try {
    const buf = Buffer.alloc(size - start);
    await handle.read(buf, 0, buf.length, start);
    const text = buf.toString("utf8");
    // A cut first line is dropped.
    return start > 0 ? text.slice(text.indexOf("\n") + 1) : text;
  } finally {
    await handle.close();
  }
}

async function readRange(path: string, start: number, end: number): Promise<string[]> {
  const chunks: Buffer[] = [];
  for await (const chunk of createReadStream(path, { start, end: end - 1 })) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8").split("\n");
}

/** The matching lines of every `<controller>.log` in `dir` (one timeline), then new ones until aborted. */
async function readFiles(dir: string, read: LogRead): Promise<void> {
  const files = (await readdir(dir).catch(() => [] as string[]))
    .filter((f) => f.endsWith(".log"))
    .map((f) => join(dir, f));
  if (files.length === 0) throw new LogsUnavailableError(`no controller logs in ${dir} yet`);
  const offsets = new Map<string, number>();
  const first: LogLine[] = [];
  for (const path of files) {
    const size = (await stat(path)).size;
    offsets.set(path, size);
    const controller = basename(path, ".log");
    for (const raw of (await readTail(path, size)).split("\n")) {
      const line = toLine(raw, controller, read.filter);
      if (line) first.push(line);
    }
  }
  first.sort((a, b) => a.ts.localeCompare(b.ts));
  read.sink(first.slice(Math.max(0, first.length - read.tail)));
  void (async () => {
    while (!read.signal.aborted) {
      await new Promise((r) => setTimeout(r, POLL_MS));
      const batch: LogLine[] = [];
      for (const [path, offset] of offsets) {
        const size = (await stat(path).catch(() => undefined))?.size ?? offset;
        if (size <= offset) continue;
        // Only whole lines: a line still being written is read on the next poll.
        const text = (await readRange(path, offset, size)).join("\n");
        const end = text.lastIndexOf("\n");
        if (end < 0) continue;
        offsets.set(path, offset + Buffer.byteLength(text.slice(0, end + 1)));
        for (const raw of text.slice(0, end).split("\n")) {
          const line = toLine(raw, basename(path, ".log"), read.filter);
          if (line) batch.push(line);
        }
      }
      if (batch.length > 0 && !read.signal.aborted) read.sink(batch);
    }
  })();
}
