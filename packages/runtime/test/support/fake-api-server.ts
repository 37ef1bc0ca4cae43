import { randomUUID } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { KubeConfig } from "@kubernetes/client-node";
import { applyMergePatch, jsonEqual } from "../../src/status/merge-patch.js";

/** A kind the fake server serves. */
export interface FakeKind {
  apiVersion: string;
  kind: string;
  plural: string;
  namespaced: boolean;
  /** Whether writes to the main resource ignore `status` and `/status` writes only `status` (CRDs with the subresource). */
  statusSubresource?: boolean;
}

/** One request as the server saw it. */
export interface RecordedRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  contentType: string | undefined;
  body: unknown;
}

type Obj = Record<string, unknown> & {
  apiVersion: string;
  kind: string;
  metadata: Record<string, unknown> & { name: string; namespace?: string; resourceVersion?: string };
};

interface Target {
  kind: FakeKind;
  namespace: string | undefined;
  name: string | undefined;
  subresource: string | undefined;
}

interface WatchEvent {
  rv: number;
  type: "ADDED" | "MODIFIED" | "DELETED";
  object: Obj;
}

/**
 * A small Kubernetes API stand-in on 127.0.0.1 for unit tests of client-side machinery (client, cache,
 * status patcher, leader election): discovery, CRUD, JSON merge patch with resourceVersion preconditions,
 * the status subresource, finalizer-aware deletion, generation bumps, lists and resumable watches.
 * `intercept` lets a test answer a request itself (e.g. inject a conflict).
 */
export class FakeApiServer {
  readonly requests: RecordedRequest[] = [];
  /** Return true after answering `res` to take over a request. */
  intercept: ((req: RecordedRequest, res: ServerResponse) => boolean) | undefined;
  private readonly objects = new Map<string, Obj>();
  private readonly events: WatchEvent[] = [];
  private readonly watchers = new Set<{ kind: FakeKind; namespace: string | undefined; res: ServerResponse }>();
  private rv = 100;

  private constructor(
    private readonly server: Server,
    private readonly kinds: FakeKind[],
    /** A kubeconfig pointing at this server. */
    readonly kubeConfig: KubeConfig,
  ) {}

  /** Starts a server for `kinds` on a free loopback port. */
  static async start(kinds: FakeKind[]): Promise<FakeApiServer> {
    let self: FakeApiServer | undefined;
    const server = createServer((req, res) => {
      self?.handle(req, res).catch((err: unknown) => {
        if (!res.headersSent) sendStatus(res, 500, "InternalError", String(err));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const { port } = server.address() as AddressInfo;
    const kubeConfig = new KubeConfig();
    kubeConfig.loadFromOptions({
      clusters: [{ name: "fake", server: `http://127.0.0.1:${port}`, skipTLSVerify: true }],
      users: [{ name: "fake", token: "fake-token" }],
      contexts: [{ name: "fake", cluster: "fake", user: "fake" }],
      currentContext: "fake",
    });
    self = new FakeApiServer(server, kinds, kubeConfig);
    return self;
  }

  /** Stops the server and ends open watches. */
  async stop(): Promise<void> {
    for (const w of this.watchers) w.res.end();
    this.watchers.clear();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  /** Ends every open watch (as an API server restart or timeout would). */
  dropWatches(): void {
    for (const w of this.watchers) w.res.end();
    this.watchers.clear();
  }

  /** The stored object, or undefined. */
  get(apiVersion: string, kind: string, namespace: string | undefined, name: string): Obj | undefined {
    const o = this.objects.get(storeKey(apiVersion, kind, namespace, name));
    return o ? structuredClone(o) : undefined;
  }

  /** Stores an object directly, as another client's write would (bumps resourceVersion, notifies watches). */
  put(obj: object): Obj {
    const o = structuredClone(obj) as Obj;
    const key = storeKey(o.apiVersion, o.kind, o.metadata.namespace, o.metadata.name);
    const existing = this.objects.get(key);
    o.metadata.uid ??= existing?.metadata["uid"] ?? randomUUID();
    o.metadata["creationTimestamp"] ??=
      existing?.metadata["creationTimestamp"] ?? new Date().toISOString().slice(0, 19) + "Z";
    o.metadata["generation"] ??= (existing?.metadata["generation"] as number | undefined) ?? 1;
    return this.store(key, o, existing ? "MODIFIED" : "ADDED");
  }

  /** Removes an object directly, notifying watches. */
  remove(apiVersion: string, kind: string, namespace: string | undefined, name: string): void {
    const key = storeKey(apiVersion, kind, namespace, name);
    const existing = this.objects.get(key);
    if (!existing) return;
    this.objects.delete(key);
    this.emit("DELETED", { ...existing, metadata: { ...existing.metadata, resourceVersion: String(++this.rv) } });
  }

  private store(key: string, o: Obj, type: "ADDED" | "MODIFIED"): Obj {
    o.metadata.resourceVersion = String(++this.rv);
    this.objects.set(key, o);
    this.emit(type, o);
    return structuredClone(o);
  }

  private emit(type: WatchEvent["type"], object: Obj): void {
    const event: WatchEvent = { rv: Number(object.metadata.resourceVersion), type, object: structuredClone(object) };
    this.events.push(event);
    for (const w of this.watchers) this.sendEvent(w, event);
  }

  private sendEvent(w: { kind: FakeKind; namespace: string | undefined; res: ServerResponse }, e: WatchEvent): void {
    if (e.object.apiVersion !== w.kind.apiVersion || e.object.kind !== w.kind.kind) return;
    if (w.namespace && e.object.metadata.namespace !== w.namespace) return;
    w.res.write(`${JSON.stringify({ type: e.type, object: e.object })}\n`);
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const text = Buffer.concat(chunks).toString("utf8");
    const url = new URL(req.url ?? "/", "http://127.0.0.1");
    const recorded: RecordedRequest = {
      method: req.method ?? "GET",
      path: url.pathname,
      query: url.searchParams,
      contentType: req.headers["content-type"],
      body: text ? JSON.parse(text) : undefined,
    };
    this.requests.push(recorded);
    if (this.intercept?.(recorded, res)) return;

    const discovery = this.discovery(url.pathname);
    if (discovery) return sendJson(res, 200, discovery);
    const target = this.resolve(url.pathname);
    if (!target) return sendStatus(res, 404, "NotFound", "the server could not find the requested resource");
    const { kind, namespace, name, subresource } = target;
    const body = recorded.body as Obj | undefined;

    if (name === undefined) {
      if (recorded.method === "GET" && ["true", "1"].includes(url.searchParams.get("watch") ?? "")) {
        return this.watch(kind, namespace, url.searchParams.get("resourceVersion"), res);
      }
      if (recorded.method === "GET") {
        const items = [...this.objects.values()].filter(
          (o) =>
            o.apiVersion === kind.apiVersion &&
            o.kind === kind.kind &&
            (!namespace || o.metadata.namespace === namespace),
        );
        return sendJson(res, 200, {
          apiVersion: kind.apiVersion,
          kind: `${kind.kind}List`,
          metadata: { resourceVersion: String(this.rv) },
          items: items.map(({ apiVersion: _a, kind: _k, ...rest }) => rest),
        });
      }
      if (recorded.method === "POST" && body) {
        const key = storeKey(kind.apiVersion, kind.kind, namespace, body.metadata.name);
        if (this.objects.has(key))
          return sendStatus(res, 409, "AlreadyExists", `${kind.plural} "${body.metadata.name}" already exists`);
        const o = structuredClone(body);
        if (namespace) o.metadata.namespace = namespace;
        o.metadata["uid"] = randomUUID();
        o.metadata["generation"] = 1;
        o.metadata["creationTimestamp"] = `${new Date().toISOString().slice(0, 19)}Z`;
        if (kind.statusSubresource) delete o["status"];
        return sendJson(res, 201, this.store(key, o, "ADDED"));
      }
      return sendStatus(res, 405, "MethodNotAllowed", "method not allowed");
    }

    const key = storeKey(kind.apiVersion, kind.kind, namespace, name);
    const existing = this.objects.get(key);
    if (!existing)
      return sendStatus(res, 404, "NotFound", `${kind.plural} "${name}" not found`, { name, kind: kind.plural });
    if (recorded.method === "GET") return sendJson(res, 200, existing);
    if (recorded.method === "DELETE") {
      const finalizers = (existing.metadata["finalizers"] as string[] | undefined) ?? [];
      if (finalizers.length > 0) {
        const o = structuredClone(existing);
        o.metadata["deletionTimestamp"] ??= `${new Date().toISOString().slice(0, 19)}Z`;
        return sendJson(res, 200, this.store(key, o, "MODIFIED"));
      }
      this.remove(kind.apiVersion, kind.kind, namespace, name);
      return sendJson(res, 200, existing);
    }
    if (recorded.method === "PATCH" || recorded.method === "PUT") {
      if (recorded.method === "PATCH" && recorded.contentType !== "application/merge-patch+json") {
        return sendStatus(res, 415, "UnsupportedMediaType", `unsupported patch type ${recorded.contentType}`);
      }
      const wantRv = (body?.metadata as Record<string, unknown> | undefined)?.["resourceVersion"];
      if (wantRv !== undefined && wantRv !== existing.metadata.resourceVersion) {
        return sendStatus(
          res,
          409,
          "Conflict",
          `Operation cannot be fulfilled on ${kind.plural} "${name}": the object has been modified; please apply your changes to the latest version and try again`,
        );
      }
      const proposed = (recorded.method === "PUT" ? structuredClone(body) : applyMergePatch(existing, body)) as Obj;
      let next: Obj;
      if (subresource === "status") {
        next = { ...structuredClone(existing), status: proposed["status"] } as Obj;
        if (proposed["status"] === undefined) delete next["status"];
      } else {
        next = proposed;
        if (kind.statusSubresource) {
          if (existing["status"] === undefined) delete next["status"];
          else next["status"] = structuredClone(existing["status"]);
        }
        const spec = (o: Obj) =>
          Object.fromEntries(Object.entries(o).filter(([k]) => !["metadata", "status"].includes(k)));
        next.metadata["generation"] =
          ((existing.metadata["generation"] as number) ?? 1) + (jsonEqual(spec(existing), spec(next)) ? 0 : 1);
      }
      for (const field of ["uid", "creationTimestamp", "deletionTimestamp", "name", "namespace"]) {
        if (existing.metadata[field] === undefined) delete next.metadata[field];
        else next.metadata[field] = existing.metadata[field];
      }
      if (
        next.metadata["deletionTimestamp"] &&
        ((next.metadata["finalizers"] as string[] | undefined) ?? []).length === 0
      ) {
        this.objects.delete(key);
        const gone = { ...next, metadata: { ...next.metadata, resourceVersion: String(++this.rv) } };
        this.emit("DELETED", gone);
        return sendJson(res, 200, gone);
      }
      return sendJson(res, 200, this.store(key, next, "MODIFIED"));
    }
    return sendStatus(res, 405, "MethodNotAllowed", "method not allowed");
  }

  private watch(kind: FakeKind, namespace: string | undefined, from: string | null, res: ServerResponse): void {
    res.writeHead(200, { "content-type": "application/json", "transfer-encoding": "chunked" });
    res.flushHeaders();
    const w = { kind, namespace, res };
    if (from) for (const e of this.events) if (e.rv > Number(from)) this.sendEvent(w, e);
    this.watchers.add(w);
    res.on("close", () => this.watchers.delete(w));
  }

  private discovery(path: string): unknown {
    const groupVersions = new Set(this.kinds.map((k) => k.apiVersion));
    for (const gv of groupVersions) {
      const prefix = gv.includes("/") ? `/apis/${gv}` : `/api/${gv}`;
      if (path !== prefix) continue;
      const resources = this.kinds
        .filter((k) => k.apiVersion === gv)
        .flatMap((k) => [
          {
            name: k.plural,
            namespaced: k.namespaced,
            kind: k.kind,
            verbs: ["get", "list", "watch", "create", "update", "patch", "delete"],
          },
          ...(k.statusSubresource
            ? [
                {
                  name: `${k.plural}/status`,
                  namespaced: k.namespaced,
                  kind: k.kind,
                  verbs: ["get", "patch", "update"],
                },
              ]
            : []),
        ]);
      return { kind: "APIResourceList", apiVersion: "v1", groupVersion: gv, resources };
    }
    return undefined;
  }

  private resolve(path: string): Target | undefined {
    for (const kind of this.kinds) {
      const prefix = kind.apiVersion.includes("/") ? `/apis/${kind.apiVersion}/` : `/api/${kind.apiVersion}/`;
      if (!path.startsWith(prefix)) continue;
      const segs = path.slice(prefix.length).split("/").filter(Boolean).map(decodeURIComponent);
      let namespace: string | undefined;
      let rest = segs;
      if (kind.namespaced && segs[0] === "namespaces" && segs.length >= 3) {
        namespace = segs[1];
        rest = segs.slice(2);
      }
      if (rest[0] !== kind.plural) continue;
      if (kind.namespaced === false && namespace !== undefined) continue;
      return { kind, namespace, name: rest[1], subresource: rest[2] };
    }
    return undefined;
  }
}

function storeKey(apiVersion: string, kind: string, namespace: string | undefined, name: string): string {
  return `${apiVersion}|${kind}|${namespace ?? ""}|${name}`;
}

function sendJson(res: ServerResponse, code: number, body: unknown): void {
  res.writeHead(code, { "content-type": "application/json" });
  res.end(JSON.stringify(body));
}

/** Answers with a metav1.Status failure. */
export function sendStatus(
  res: ServerResponse,
  code: number,
  reason: string,
  message: string,
  details?: Record<string, unknown>,
): void {
  sendJson(res, code, {
    kind: "Status",
    apiVersion: "v1",
    status: "Failure",
    reason,
    message,
    code,
    ...(details ? { details } : {}),
  });
}
