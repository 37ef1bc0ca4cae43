import { KubeConfig } from "@kubernetes/client-node";
import { type LoopbackServer, startLoopbackServer } from "./loopback-server.js";

/** A stored core/v1 Event, as JSON. */
export type StoredEvent = Record<string, unknown> & { metadata: { name: string; namespace: string } };

/** A loopback HTTP endpoint that speaks just enough of the Kubernetes API for core/v1 Events. */
export interface FakeEventsApi {
  server: LoopbackServer;
  kubeConfig: KubeConfig;
  /** Events by `namespace/name`. */
  events: Map<string, StoredEvent>;
  close(): Promise<void>;
}

const resourceList = {
  kind: "APIResourceList",
  apiVersion: "v1",
  groupVersion: "v1",
  resources: [
    { name: "events", singularName: "event", namespaced: true, kind: "Event", verbs: ["create", "get", "patch"] },
  ],
};

function status(code: number, reason: string, message: string): string {
  return JSON.stringify({ kind: "Status", apiVersion: "v1", status: "Failure", code, reason, message });
}

/**
 * Starts a stand-in for the events part of the Kubernetes API (discovery of `/api/v1`, create, get and
 * JSON merge patch of Events), for unit tests of event correlation while no API server can run here.
 */
export async function startFakeEventsApi(): Promise<FakeEventsApi> {
  const events = new Map<string, StoredEvent>();
  const server = await startLoopbackServer((req, res) => {
    res.setHeader("content-type", "application/json");
    const path = new URL(req.url, "http://x").pathname;
    if (req.method === "GET" && path === "/api/v1") {
      res.end(JSON.stringify(resourceList));
      return;
    }
    const match = /^\/api\/v1\/namespaces\/([^/]+)\/events(?:\/([^/]+))?$/.exec(path);
    if (!match) {
      res.statusCode = 404;
      res.end(status(404, "NotFound", `no route ${path}`));
      return;
    }
    const namespace = decodeURIComponent(match[1]!);
    const name = match[2] === undefined ? undefined : decodeURIComponent(match[2]);
    if (req.method === "POST" && name === undefined) {
      const body = JSON.parse(req.body.toString()) as StoredEvent;
      const key = `${namespace}/${body.metadata.name}`;
      if (body.metadata.namespace !== namespace) {
        res.statusCode = 400;
        res.end(status(400, "BadRequest", "namespace mismatch"));
        return;
      }
      if (events.has(key)) {
        res.statusCode = 409;
        res.end(status(409, "AlreadyExists", `events "${body.metadata.name}" already exists`));
        return;
      }
      events.set(key, body);
      res.statusCode = 201;
      res.end(JSON.stringify(body));
      return;
    }
    const key = `${namespace}/${name}`;
    const existing = events.get(key);
    if (!existing) {
      res.statusCode = 404;
      res.end(status(404, "NotFound", `events "${name}" not found`));
      return;
    }
    if (req.method === "PATCH" && req.headers["content-type"] === "application/merge-patch+json") {
      const patch = JSON.parse(req.body.toString()) as Record<string, unknown>;
      const updated = { ...existing, ...patch } as StoredEvent;
      events.set(key, updated);
      res.end(JSON.stringify(updated));
      return;
    }
    if (req.method === "GET") {
      res.end(JSON.stringify(existing));
      return;
    }
    res.statusCode = 405;
    res.end(status(405, "MethodNotAllowed", `${req.method} not allowed`));
  });
  const kubeConfig = new KubeConfig();
  kubeConfig.loadFromOptions({
    clusters: [{ name: "fake", server: server.url, skipTLSVerify: true }],
    users: [{ name: "fake" }],
    contexts: [{ name: "fake", cluster: "fake", user: "fake" }],
    currentContext: "fake",
  });
  return { server, kubeConfig, events, close: () => server.close() };
}
