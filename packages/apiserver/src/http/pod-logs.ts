// `GET /api/v1/namespaces/NS/pods/NAME/log`: a container's log, as kube-apiserver proxies it from the kubelet.
// The embedded server has no kubelet: a Pod's container gets the lines of a registered log source (a file of
// JSON lines with an RFC 3339 `ts`, such as the in-process controllers of `sluice up` write) when the Pod
// carries the source's labels; every other container answers as one that has logged nothing (200, empty).

import { createReadStream } from "node:fs";
import { readFile, stat } from "node:fs/promises";
import type { ServerResponse } from "node:http";
import type { ResourceService } from "../api/resource-service.js";
import { badRequest, type FieldError, invalid } from "../errors.js";
import type { ResourceType } from "../resources/resource-type.js";
import { isObject } from "../util/json.js";

/** Where the logs of some Pods' container come from. */
export interface PodLogSource {
  /** Namespace of the Pods. */
  namespace: string;
  /** Labels a Pod must carry (all of them), e.g. `{ app: "kustomize-controller" }`. */
  labels: Record<string, string>;
  /** The container whose log this is. */
  container: string;
  /** A file of newline-terminated JSON lines, each with `ts` (RFC 3339); appended to while it runs. */
  file: string;
}

/** The query of a log request (PodLogOptions). */
interface LogOptions {
  container: string;
  follow: boolean;
  timestamps: boolean;
  previous: boolean;
  tailLines: number | undefined;
  sinceMs: number | undefined;
  limitBytes: number | undefined;
}

const FOLLOW_POLL_MS = 200;

function bool(q: URLSearchParams, key: string): boolean {
  const v = q.get(key);
  return v === "true" || v === "1";
}

function int(q: URLSearchParams, key: string): number | undefined {
  const v = q.get(key);
  if (v === null || v === "") return undefined;
  if (!/^-?\d+$/.test(v)) throw badRequest(`couldn't parse "${key}": strconv.ParseInt: parsing "${v}": invalid syntax`);
  return Number(v);
}

/** PodLogOptions from the query, validated as kube-apiserver's ValidatePodLogOptions does. */
function parseOptions(name: string, q: URLSearchParams): LogOptions {
  const tailLines = int(q, "tailLines");
  const sinceSeconds = int(q, "sinceSeconds");
  const limitBytes = int(q, "limitBytes");
  const sinceTime = q.get("sinceTime");
  const errors: FieldError[] = [];
  if (tailLines !== undefined && tailLines < 0)
    errors.push({
      type: "FieldValueInvalid",
      field: "tailLines",
      value: tailLines,
      detail: "must be greater than or equal to 0",
    });
  if (limitBytes !== undefined && limitBytes < 1)
    errors.push({
      type: "FieldValueInvalid",
      field: "limitBytes",
      value: limitBytes,
      detail: "must be greater than 0",
    });
  if (sinceSeconds !== undefined && sinceTime)
    errors.push({
      type: "FieldValueForbidden",
      field: "",
      omitValue: true,
      detail: "at most one of `sinceTime` or `sinceSeconds` may be specified",
    });
  if (sinceSeconds !== undefined && sinceSeconds < 1)
    errors.push({
      type: "FieldValueInvalid",
      field: "sinceSeconds",
      value: sinceSeconds,
      detail: "must be greater than 0",
    });
  if (errors.length > 0) throw invalid({ group: "", kind: "PodLogOptions" }, name, errors);
  let sinceMs: number | undefined;
  if (sinceSeconds !== undefined) sinceMs = Date.now() - sinceSeconds * 1000;
  else if (sinceTime) {
    sinceMs = Date.parse(sinceTime);
    if (Number.isNaN(sinceMs))
      throw badRequest(`parsing time "${sinceTime}" as "2006-01-02T15:04:05Z07:00": cannot parse`);
  }
  return {
    container: q.get("container") ?? "",
    follow: bool(q, "follow"),
    timestamps: bool(q, "timestamps"),
    previous: bool(q, "previous"),
    tailLines,
    sinceMs,
    limitBytes,
  };
}

function containerNames(pod: Record<string, unknown>, field: string): string[] {
  const spec = isObject(pod["spec"]) ? pod["spec"] : {};
  const list = Array.isArray(spec[field]) ? (spec[field] as unknown[]) : [];
  return list.flatMap((c) => (isObject(c) && typeof c["name"] === "string" ? [c["name"]] : []));
}

/** The container a request means, with kube-apiserver's LogLocation errors. */
function resolveContainer(pod: Record<string, unknown>, name: string, wanted: string): string {
  const containers = containerNames(pod, "containers");
  const all = [...containers, ...containerNames(pod, "initContainers"), ...containerNames(pod, "ephemeralContainers")];
  if (wanted !== "") {
    if (!all.includes(wanted)) throw badRequest(`container ${wanted} is not valid for pod ${name}`);
    return wanted;
  }
  if (containers.length === 1) return containers[0]!;
  if (containers.length === 0) throw badRequest(`a container name must be specified for pod ${name}`);
  const inits = containerNames(pod, "initContainers");
  let message = `a container name must be specified for pod ${name}, choose one of: [${containers.join(" ")}]`;
  if (inits.length > 0) message += ` or one of the init containers: [${inits.join(" ")}]`;
  throw badRequest(message);
}

/** Milliseconds of a line's `ts`, undefined when it has none. */
function timeOf(line: string): number | undefined {
  const ts = /"ts":"([^"]+)"/.exec(line)?.[1];
  if (ts === undefined) return undefined;
  const ms = Date.parse(ts);
  return Number.isNaN(ms) ? undefined : ms;
}

/** The kubelet's `timestamps=true` prefix: RFC 3339 with nine fixed fraction digits. */
function stamp(ms: number): string {
  return new Date(ms).toISOString().replace(/\.(\d{3})Z$/, ".$1000000Z");
}

/** Serves the pods/log subresource from the registered sources. */
export class PodLogs {
  constructor(
    private readonly svc: ResourceService,
    private readonly sources: readonly PodLogSource[],
  ) {}

  /** Answers one `get` of pods/log (the caller checked authorization and the verb). */
  async serve(
    res: ServerResponse,
    rt: ResourceType,
    namespace: string,
    name: string,
    q: URLSearchParams,
  ): Promise<void> {
    const options = parseOptions(name, q);
    const pod = this.svc.toVersion(rt, this.svc.get(rt, namespace, name)) as Record<string, unknown>;
    const container = resolveContainer(pod, name, options.container);
    if (options.previous) throw badRequest(`previous terminated container "${container}" in pod "${name}" not found`);
    const source = this.sourceFor(pod, namespace, container);
    res.writeHead(200, { "Content-Type": "text/plain", "Cache-Control": "no-cache, private" });
    // Headers now, as kube-apiserver does: a followed log may have no line to send for a while.
    res.flushHeaders();
    if (!source) {
      res.end();
      return;
    }
    await this.stream(res, source.file, options);
  }

  private sourceFor(pod: Record<string, unknown>, namespace: string, container: string): PodLogSource | undefined {
    const meta = isObject(pod["metadata"]) ? pod["metadata"] : {};
    const labels = isObject(meta["labels"]) ? (meta["labels"] as Record<string, unknown>) : {};
    return this.sources.find(
      (s) =>
        s.namespace === namespace &&
        s.container === container &&
        Object.entries(s.labels).every(([k, v]) => labels[k] === v),
    );
  }

  private async stream(res: ServerResponse, file: string, o: LogOptions): Promise<void> {
    const text = await readFile(file, "utf8").catch(() => "");
    // Only whole lines: a partly written last line is sent once complete (with follow).
    const end = text.lastIndexOf("\n") + 1;
    const lines = text.slice(0, end).split("\n").slice(0, -1);
    let last = 0;
    const timed = lines.map((line) => {
      last = timeOf(line) ?? last;
      return { line, ms: last };
    });
    let selected = o.sinceMs !== undefined ? timed.filter((l) => l.ms >= o.sinceMs!) : timed;
    if (o.tailLines !== undefined) selected = selected.slice(Math.max(0, selected.length - o.tailLines));
    let budget = o.limitBytes ?? Number.POSITIVE_INFINITY;
    const write = (line: string, ms: number): boolean => {
      const out = `${o.timestamps ? `${stamp(ms || Date.now())} ` : ""}${line}\n`;
      const bytes = Buffer.byteLength(out);
      if (bytes >= budget) {
        res.write(Buffer.from(out).subarray(0, budget));
        budget = 0;
        return false;
      }
      budget -= bytes;
      res.write(out);
      return true;
    };
    for (const { line, ms } of selected) if (!write(line, ms)) return void res.end();
    if (!o.follow) return void res.end();

    let offset = Buffer.byteLength(text.slice(0, end));
    let closed = false;
    // The response's close: the client went or the server stops (a request's close only means it was read).
    res.once("close", () => {
      closed = true;
    });
    while (!closed) {
      await new Promise((r) => setTimeout(r, FOLLOW_POLL_MS));
      const size = (await stat(file).catch(() => undefined))?.size ?? offset;
      if (size < offset) offset = 0; // truncated or replaced
      if (size <= offset) continue;
      const chunk = await readRange(file, offset, size);
      const complete = chunk.lastIndexOf(0x0a) + 1;
      if (complete === 0) continue;
      offset += complete;
      for (const line of chunk.subarray(0, complete).toString("utf8").split("\n").slice(0, -1)) {
        last = timeOf(line) ?? last;
        if (!write(line, last)) return void res.end();
      }
    }
    res.end();
  }
}

async function readRange(path: string, start: number, end: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of createReadStream(path, { start, end: end - 1 })) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}
