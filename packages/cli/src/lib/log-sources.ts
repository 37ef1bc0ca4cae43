// Where `sluice logs` reads controller logs from: the JSON log files of a `sluice up` running on this machine,
// or the controllers' Pods through the Kubernetes pods/log API (as flux logs does).

import { createReadStream } from "node:fs";
import { readdir, readFile, stat } from "node:fs/promises";
import { join } from "node:path";
import { createInterface } from "node:readline";
import type { Readable } from "node:stream";
import type { UnstructuredObject } from "@sluice/runtime/kube";
import type { CommandContext } from "../context.js";
import { CliError } from "../errors.js";

/** `--tail`, `--since`, `-f` as the sources apply them. */
export interface ReadOptions {
  /** Last N lines per controller; undefined: all. */
  tail?: number | undefined;
  /** Only lines from the last N seconds (the Pods source asks the server; files are filtered by the caller). */
  sinceSeconds?: number | undefined;
  follow: boolean;
  signal: AbortSignal;
}

/** Each line of every controller, in the order read; with `follow`, until the signal aborts. */
export type LineSink = (line: string) => void;

/** The lines of every `<controller>.log` in `dir` (the last `tail` of each), then new ones with `follow`. */
export async function readLogFiles(dir: string, options: ReadOptions, sink: LineSink): Promise<void> {
  const files = (await readdir(dir).catch(() => [] as string[])).filter((f) => f.endsWith(".log")).sort();
  if (files.length === 0) throw new CliError(`no controller logs in ${dir}: is \`sluice up\` still starting?`);
  const batch: string[] = [];
  const offsets = new Map<string, number>();
  for (const file of files) {
    const path = join(dir, file);
    const text = await readFile(path, "utf8");
    offsets.set(path, Buffer.byteLength(text));
    const lines = text.split("\n").filter((l) => l !== "");
    batch.push(...(options.tail !== undefined ? lines.slice(Math.max(0, lines.length - options.tail)) : lines));
  }
  // One timeline across controllers (every line starts with its RFC 3339 `ts` after `{"level":…`).
  for (const line of batch.sort(byTimestamp)) sink(line);
  if (!options.follow) return;
  while (!options.signal.aborted) {
    await sleep(200, options.signal);
    for (const [path, offset] of offsets) {
      const size = (await stat(path).catch(() => undefined))?.size ?? offset;
      if (size <= offset) continue;
      const lines = await readRange(path, offset, size);
      offsets.set(path, size);
      for (const line of lines) sink(line);
    }
  }
}

function byTimestamp(a: string, b: string): number {
  return tsOf(a).localeCompare(tsOf(b));
}

function tsOf(line: string): string {
  return /"ts":"([^"]+)"/.exec(line)?.[1] ?? "";
}

async function readRange(path: string, start: number, end: number): Promise<string[]> {
  const chunks: Buffer[] = [];
  for await (const chunk of createReadStream(path, { start, end: end - 1 })) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks)
    .toString("utf8")
    .split("\n")
    .filter((l) => l !== "");
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener(
      "abort",
      () => {
        clearTimeout(timer);
        resolve();
      },
      { once: true },
    );
  });
}

/** Labels of the controllers' Pods: flux's `app.kubernetes.io/part-of=flux` and Sluice's chart's `=sluice`. */
export const CONTROLLER_POD_SELECTOR = "app.kubernetes.io/part-of in (flux,sluice)";

/** The lines of every running controller Pod in `namespace`, through the pods/log API. */
export async function readPodLogs(
  ctx: CommandContext,
  namespace: string,
  options: ReadOptions,
  sink: LineSink,
): Promise<void> {
  const pods = (
    await ctx.kube().list<UnstructuredObject>("v1", "Pod", { namespace, labelSelector: CONTROLLER_POD_SELECTOR })
  ).items.filter((p) => (p["status"] as { phase?: string } | undefined)?.phase === "Running");
  if (pods.length === 0) {
    throw new CliError(
      `no running Flux controller Pods in namespace ${namespace} (label ${CONTROLLER_POD_SELECTOR}): pass --flux-namespace, or for a local \`sluice up\` run sluice logs on the same machine`,
    );
  }
  const streams = pods.map(async (pod) => {
    const containers = ((pod["spec"] as { containers?: { name: string }[] } | undefined)?.containers ?? []).map(
      (c) => c.name,
    );
    const res = await ctx.kube().http.open({
      method: "GET",
      path: `/api/v1/namespaces/${encodeURIComponent(namespace)}/pods/${encodeURIComponent(pod.metadata.name ?? "")}/log`,
      query: {
        container: containers.length > 1 ? "manager" : undefined,
        follow: options.follow || undefined,
        tailLines: options.tail,
        sinceSeconds: options.sinceSeconds,
      },
      signal: options.signal,
    });
    if ((res.statusCode ?? 0) >= 400) {
      let body = "";
      for await (const chunk of res) body += String(chunk);
      throw new CliError(`failed getting logs of Pod ${namespace}/${pod.metadata.name}: ${messageOf(body)}`);
    }
    await forEachLine(res, sink, options.signal);
  });
  await Promise.all(streams);
}

function messageOf(body: string): string {
  try {
    return (JSON.parse(body) as { message?: string }).message ?? body.trim();
  } catch {
    return body.trim();
  }
}

async function forEachLine(stream: Readable, sink: LineSink, signal: AbortSignal): Promise<void> {
  const lines = createInterface({ input: stream, crlfDelay: Number.POSITIVE_INFINITY });
  // Closing the interface ends the loop: a destroyed stream alone leaves it waiting (a followed log never ends).
  const onAbort = () => {
    lines.close();
    stream.destroy();
  };
  if (signal.aborted) onAbort();
  else signal.addEventListener("abort", onAbort, { once: true });
  try {
    for await (const line of lines) sink(line);
  } catch (err: unknown) {
    if (!signal.aborted) throw err;
  }
}
