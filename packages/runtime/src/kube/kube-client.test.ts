import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { KubeConfig } from "@kubernetes/client-node";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { ApiError, isNotFound } from "./api-error.js";
import { KubeClient, PatchType } from "./kube-client.js";

interface Recorded {
  method: string;
  url: string;
  contentType: string | undefined;
  authorization: string | undefined;
  body: unknown;
}

const discovery: Record<string, unknown> = {
  "/api/v1": {
    kind: "APIResourceList",
    groupVersion: "v1",
    resources: [
      { name: "namespaces", singularName: "namespace", namespaced: false, kind: "Namespace", verbs: ["get", "list"] },
      { name: "configmaps", singularName: "configmap", namespaced: true, kind: "ConfigMap", verbs: ["get", "list"] },
    ],
  },
  "/apis/source.toolkit.fluxcd.io/v1": {
    kind: "APIResourceList",
    groupVersion: "source.toolkit.fluxcd.io/v1",
    resources: [
      { name: "gitrepositories", namespaced: true, kind: "GitRepository", verbs: ["get", "list", "patch"] },
      { name: "gitrepositories/status", namespaced: true, kind: "GitRepository", verbs: ["get", "patch"] },
    ],
  },
};

const gitRepo = {
  apiVersion: "source.toolkit.fluxcd.io/v1",
  kind: "GitRepository",
  metadata: { name: "podinfo", namespace: "flux-system", creationTimestamp: "2024-01-02T03:04:05Z", generation: 2 },
  spec: { url: "https://github.com/stefanprodan/podinfo", interval: "1m", futureField: { kept: true } },
};

let server: Server;
let kubeConfig: KubeConfig;
const requests: Recorded[] = [];

function send(res: ServerResponse, code: number, body: unknown): void {
  res.writeHead(code, { "content-type": "application/json" });
  res.end(JSON.stringify(body));
}

function notFound(res: ServerResponse, name: string): void {
  send(res, 404, {
    kind: "Status",
    apiVersion: "v1",
    status: "Failure",
    reason: "NotFound",
    message: `gitrepositories.source.toolkit.fluxcd.io "${name}" not found`,
    details: { name, group: "source.toolkit.fluxcd.io", kind: "gitrepositories" },
    code: 404,
  });
}

async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const text = Buffer.concat(chunks).toString("utf8");
  const url = new URL(req.url ?? "/", "http://localhost");
  requests.push({
    method: req.method ?? "",
    url: url.pathname + url.search,
    contentType: req.headers["content-type"],
    authorization: req.headers.authorization,
    body: text ? JSON.parse(text) : undefined,
  });
  const known = discovery[url.pathname];
  if (known) return send(res, 200, known);
  if (url.pathname.startsWith("/apis/") && url.pathname.split("/").length === 4) {
    return send(res, 404, {
      kind: "Status",
      reason: "NotFound",
      message: "the server could not find the requested resource",
      code: 404,
    });
  }
  const base = "/apis/source.toolkit.fluxcd.io/v1/namespaces/flux-system/gitrepositories";
  if (url.pathname === `${base}/podinfo` && req.method === "GET") return send(res, 200, gitRepo);
  if (url.pathname.startsWith(`${base}/`) && req.method === "GET")
    return notFound(res, url.pathname.split("/").pop() ?? "");
  if (url.pathname === "/apis/source.toolkit.fluxcd.io/v1/gitrepositories" && req.method === "GET") {
    const page = url.searchParams.get("continue");
    if (!page) {
      return send(res, 200, {
        kind: "GitRepositoryList",
        metadata: { resourceVersion: "10", continue: "page2" },
        items: [{ metadata: { name: "a", namespace: "x" } }],
      });
    }
    return send(res, 200, {
      kind: "GitRepositoryList",
      metadata: { resourceVersion: "11" },
      items: [{ metadata: { name: "b", namespace: "y" } }],
    });
  }
  // Writes echo the body back, as a server would return the stored object.
  if (req.method === "PATCH" || req.method === "POST" || req.method === "PUT") {
    return send(res, 200, text ? JSON.parse(text) : {});
  }
  if (req.method === "DELETE") return send(res, 200, { kind: "Status", status: "Success" });
  send(res, 500, { kind: "Status", reason: "InternalError", message: "unexpected", code: 500 });
}

beforeAll(async () => {
  server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => send(res, 500, { message: String(err) }));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  kubeConfig = new KubeConfig();
  kubeConfig.loadFromOptions({
    clusters: [{ name: "c", server: `http://127.0.0.1:${port}`, skipTLSVerify: true }],
    users: [{ name: "u", token: "secret-token" }],
    contexts: [{ name: "ctx", cluster: "c", user: "u" }],
    currentContext: "ctx",
  });
});

afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

beforeEach(() => {
  requests.length = 0;
});

describe("KubeClient over a loopback API server", () => {
  it("reads an object as plain JSON, keeping timestamps as strings and unknown fields", async () => {
    const client = KubeClient.fromKubeConfig(kubeConfig, { rateLimit: false });
    const obj = await client.get({
      apiVersion: "source.toolkit.fluxcd.io/v1",
      kind: "GitRepository",
      namespace: "flux-system",
      name: "podinfo",
    });
    expect(obj).toEqual(gitRepo);
    expect(typeof obj.metadata.creationTimestamp).toBe("string");
    const get = requests.find((r) => r.url.endsWith("/podinfo"));
    expect(get?.authorization).toBe("Bearer secret-token");
  });

  it("throws ApiError NotFound with the server's details for a missing object", async () => {
    const client = KubeClient.fromKubeConfig(kubeConfig, { rateLimit: false });
    const ref = { apiVersion: "source.toolkit.fluxcd.io/v1", kind: "GitRepository", namespace: "flux-system" };
    const err = await client.get({ ...ref, name: "missing" }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect(isNotFound(err)).toBe(true);
    expect((err as ApiError).status).toBe(404);
    expect((err as ApiError).details?.name).toBe("missing");
    expect((err as ApiError).message).toContain('"missing" not found');
    expect(await client.getOptional({ ...ref, name: "missing" })).toBeUndefined();
  });

  it("throws ApiError NotFound for a kind the server does not serve", async () => {
    const client = KubeClient.fromKubeConfig(kubeConfig, { rateLimit: false });
    const unknownKind = client.get({ apiVersion: "v1", kind: "Gadget", name: "x" });
    await expect(unknownKind).rejects.toMatchObject({ status: 404, reason: "NotFound" });
    const unknownGroup = client.get({ apiVersion: "nothing.example.com/v1", kind: "Thing", name: "x" });
    await expect(unknownGroup).rejects.toBeInstanceOf(ApiError);
    await expect(unknownGroup).rejects.toMatchObject({ status: 404, reason: "NotFound" });
  });

  it("lists across pages and gives every item its apiVersion and kind", async () => {
    const client = KubeClient.fromKubeConfig(kubeConfig, { rateLimit: false });
    const list = await client.list("source.toolkit.fluxcd.io/v1", "GitRepository", { limit: 1 });
    expect(list.resourceVersion).toBe("11");
    expect(list.items.map((i) => [i.apiVersion, i.kind, i.metadata.name])).toEqual([
      ["source.toolkit.fluxcd.io/v1", "GitRepository", "a"],
      ["source.toolkit.fluxcd.io/v1", "GitRepository", "b"],
    ]);
    const pages = requests.filter((r) => r.url.includes("/gitrepositories?"));
    expect(pages.map((r) => r.url)).toEqual([
      "/apis/source.toolkit.fluxcd.io/v1/gitrepositories?limit=1",
      "/apis/source.toolkit.fluxcd.io/v1/gitrepositories?limit=1&continue=page2",
    ]);
  });

  it("merge-patches the status subresource", async () => {
    const client = KubeClient.fromKubeConfig(kubeConfig, { rateLimit: false });
    const ref = { apiVersion: "source.toolkit.fluxcd.io/v1", kind: "GitRepository", namespace: "ns", name: "r" };
    await client.patchStatus(ref, { status: { observedGeneration: 3, artifact: null } }, { fieldManager: "sc" });
    const patch = requests.at(-1);
    expect(patch).toMatchObject({
      method: "PATCH",
      url: "/apis/source.toolkit.fluxcd.io/v1/namespaces/ns/gitrepositories/r/status?fieldManager=sc",
      contentType: PatchType.Merge,
      body: { status: { observedGeneration: 3, artifact: null } },
    });
  });

  it("server-side applies with field manager and force", async () => {
    const client = KubeClient.fromKubeConfig(kubeConfig, { rateLimit: false });
    const cm = { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "c", namespace: "apps" }, data: { a: "1" } };
    const applied = await client.apply(cm, { fieldManager: "kustomize-controller", force: true, dryRun: true });
    expect(applied).toEqual(cm);
    expect(requests.at(-1)).toMatchObject({
      method: "PATCH",
      url: "/api/v1/namespaces/apps/configmaps/c?fieldManager=kustomize-controller&dryRun=All&force=true",
      contentType: PatchType.Apply,
      body: cm,
    });
  });

  it("puts namespaced objects without a namespace in the default namespace, cluster ones at the root", async () => {
    const client = KubeClient.fromKubeConfig(kubeConfig, { rateLimit: false });
    expect(client.defaultNamespace).toBe("default");
    await client.create({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "c" } });
    expect(requests.at(-1)).toMatchObject({ method: "POST", url: "/api/v1/namespaces/default/configmaps" });
    await client.create({ apiVersion: "v1", kind: "Namespace", metadata: { name: "n" } });
    expect(requests.at(-1)).toMatchObject({ method: "POST", url: "/api/v1/namespaces" });
    expect(await client.resourcePath({ apiVersion: "v1", kind: "ConfigMap" })).toBe("/api/v1/configmaps");
  });

  it("deletes with DeleteOptions in the body", async () => {
    const client = KubeClient.fromKubeConfig(kubeConfig, { rateLimit: false });
    await client.delete(
      { apiVersion: "v1", kind: "ConfigMap", namespace: "apps", name: "c" },
      { propagationPolicy: "Background", preconditions: { uid: "u1" } },
    );
    expect(requests.at(-1)).toMatchObject({
      method: "DELETE",
      url: "/api/v1/namespaces/apps/configmaps/c",
      body: { kind: "DeleteOptions", propagationPolicy: "Background", preconditions: { uid: "u1" } },
    });
  });

  it("reuses one keep-alive connection for sequential requests", async () => {
    const client = KubeClient.fromKubeConfig(kubeConfig, { rateLimit: false });
    let connections = 0;
    const count = () => connections++;
    server.on("connection", count);
    try {
      const ref = { apiVersion: "source.toolkit.fluxcd.io/v1", kind: "GitRepository", namespace: "flux-system" };
      for (let i = 0; i < 5; i++) await client.get({ ...ref, name: "podinfo" });
      expect(connections).toBe(1);
    } finally {
      server.off("connection", count);
      client.close();
    }
  });

  it("reports an unreachable server as ApiError ConnectionFailed", async () => {
    const kc = new KubeConfig();
    kc.loadFromOptions({
      clusters: [{ name: "c", server: "http://127.0.0.1:1", skipTLSVerify: true }],
      users: [{ name: "u" }],
      contexts: [{ name: "ctx", cluster: "c", user: "u" }],
      currentContext: "ctx",
    });
    const client = KubeClient.fromKubeConfig(kc, { rateLimit: false });
    await expect(client.get({ apiVersion: "v1", kind: "ConfigMap", name: "x" })).rejects.toMatchObject({
      status: 0,
      reason: "ConnectionFailed",
    });
  });
});
