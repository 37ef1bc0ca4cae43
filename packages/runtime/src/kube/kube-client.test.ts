import { KubeConfig } from "@kubernetes/client-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTcpRelay, type TcpRelay } from "../../test/support/tcp-relay.js";
import { type EmbeddedTestCluster, startEmbeddedCluster } from "../../test/support/test-cluster.js";
import { ensureNamespaces, ensureWidgetCrd, WIDGET_API_VERSION } from "../../test/support/test-crd.js";
import { ApiError, isNotFound } from "./api-error.js";
import { KubeClient } from "./kube-client.js";
import type { UnstructuredObject } from "./object-ref.js";

let cluster: EmbeddedTestCluster;
let client: KubeClient;
const ns = "kube-client";

beforeAll(async () => {
  cluster = await startEmbeddedCluster();
  client = KubeClient.fromKubeConfig(cluster.kubeConfig, { rateLimit: false });
  await ensureWidgetCrd(cluster.client);
  await ensureNamespaces(cluster.client, ns);
}, 30_000);

afterAll(async () => {
  client?.close();
  await cluster?.stop();
});

/** Requests the API server answered since `from` (an index into its audit log). */
function requestsSince(from: number) {
  return cluster.server.auditEvents().slice(from);
}

const widget = (name: string, extra: Record<string, unknown> = {}): UnstructuredObject => ({
  apiVersion: WIDGET_API_VERSION,
  kind: "Widget",
  metadata: { name, namespace: ns },
  spec: { size: 1, futureField: { kept: true } },
  ...extra,
});

describe("KubeClient against the embedded API server", () => {
  it("reads an object as plain JSON, keeping timestamps as strings and unknown fields", async () => {
    await cluster.client.create(widget("plain"));
    const obj = await client.get({ apiVersion: WIDGET_API_VERSION, kind: "Widget", namespace: ns, name: "plain" });
    expect(obj["spec"]).toEqual({ size: 1, futureField: { kept: true } });
    expect(obj.metadata.creationTimestamp).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    expect((obj.metadata.managedFields?.[0] as { time?: string } | undefined)?.time).toMatch(/Z$/);
    // The kubeconfig's bearer token was sent: the server knows the caller as its admin.
    expect(cluster.server.auditEvents().at(-1)).toMatchObject({ verb: "GET", code: 200, user: "sluice-admin" });
  });

  it("throws ApiError NotFound with the server's details for a missing object", async () => {
    const ref = { apiVersion: WIDGET_API_VERSION, kind: "Widget", namespace: ns };
    const err = await client.get({ ...ref, name: "missing" }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect(isNotFound(err)).toBe(true);
    expect((err as ApiError).status).toBe(404);
    expect((err as ApiError).details?.name).toBe("missing");
    expect((err as ApiError).message).toBe('widgets.test.sluice.dev "missing" not found');
    expect(await client.getOptional({ ...ref, name: "missing" })).toBeUndefined();
  });

  it("throws ApiError NotFound for a kind the server does not serve", async () => {
    const unknownKind = client.get({ apiVersion: "v1", kind: "Gadget", name: "x" });
    await expect(unknownKind).rejects.toMatchObject({ status: 404, reason: "NotFound" });
    const unknownGroup = client.get({ apiVersion: "nothing.example.com/v1", kind: "Thing", name: "x" });
    await expect(unknownGroup).rejects.toBeInstanceOf(ApiError);
    await expect(unknownGroup).rejects.toMatchObject({ status: 404, reason: "NotFound" });
  });

  it("lists across pages and gives every item its apiVersion and kind", async () => {
    const namespace = "paged";
    await ensureNamespaces(cluster.client, namespace);
    for (const name of ["a", "b", "c"]) {
      await cluster.client.create({ ...widget(name), metadata: { name, namespace } });
    }
    const from = cluster.server.auditEvents().length;
    const list = await client.list(WIDGET_API_VERSION, "Widget", { namespace, limit: 1 });
    expect(list.items.map((i) => [i.apiVersion, i.kind, i.metadata.name])).toEqual([
      [WIDGET_API_VERSION, "Widget", "a"],
      [WIDGET_API_VERSION, "Widget", "b"],
      [WIDGET_API_VERSION, "Widget", "c"],
    ]);
    expect(Number(list.resourceVersion)).toBeGreaterThan(0);
    const pages = requestsSince(from)
      .filter((e) => e.path.includes("/widgets?"))
      .map((e) => new URL(e.path, "http://x").searchParams);
    expect(pages.map((q) => q.get("limit"))).toEqual(["1", "1", "1"]);
    expect(pages.map((q) => q.has("continue"))).toEqual([false, true, true]);
  });

  it("merge-patches the status subresource as the given field manager", async () => {
    await cluster.client.create(widget("status"));
    const ref = { apiVersion: WIDGET_API_VERSION, kind: "Widget", namespace: ns, name: "status" };
    await client.patchStatus(ref, { status: { observedGeneration: 1, artifact: { revision: "r1" } } });
    const from = cluster.server.auditEvents().length;
    const written = await client.patchStatus<UnstructuredObject>(
      ref,
      { status: { observedGeneration: 3, artifact: null }, spec: { size: 99 } },
      { fieldManager: "sc" },
    );
    // A merge patch: null removes; the status subresource ignores everything but status.
    expect(written["status"]).toEqual({ observedGeneration: 3 });
    expect(written["spec"]).toEqual({ size: 1, futureField: { kept: true } });
    expect(requestsSince(from)).toMatchObject([
      { verb: "PATCH", path: `/apis/test.sluice.dev/v1/namespaces/${ns}/widgets/status/status?fieldManager=sc` },
    ]);
    expect(written.metadata.managedFields).toContainEqual(
      expect.objectContaining({ manager: "sc", operation: "Update", subresource: "status" }),
    );
  });

  it("server-side applies with field manager, dry run and force", async () => {
    const cm = { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "applied", namespace: ns }, data: { a: "1" } };
    const from = cluster.server.auditEvents().length;
    const dryRun = await client.apply(cm, { fieldManager: "kustomize-controller", force: true, dryRun: true });
    expect(dryRun["data"]).toEqual({ a: "1" });
    expect(requestsSince(from).map((e) => e.path)).toEqual([
      `/api/v1/namespaces/${ns}/configmaps/applied?fieldManager=kustomize-controller&dryRun=All&force=true`,
    ]);
    expect(await client.getOptional({ apiVersion: "v1", kind: "ConfigMap", namespace: ns, name: "applied" })).toBe(
      undefined,
    );
    const applied = await client.apply(cm, { fieldManager: "kustomize-controller" });
    expect(applied.metadata.managedFields).toEqual([
      expect.objectContaining({ manager: "kustomize-controller", operation: "Apply" }),
    ]);
    // Another manager's conflicting apply is refused unless forced.
    const other = { ...cm, data: { a: "2" } };
    await expect(client.apply(other, { fieldManager: "someone-else" })).rejects.toMatchObject({
      status: 409,
      reason: "Conflict",
    });
    expect((await client.apply(other, { fieldManager: "someone-else", force: true }))["data"]).toEqual({ a: "2" });
  });

  it("puts namespaced objects without a namespace in the default namespace, cluster ones at the root", async () => {
    expect(client.defaultNamespace).toBe("default");
    const from = cluster.server.auditEvents().length;
    const cm = await client.create<UnstructuredObject>({
      apiVersion: "v1",
      kind: "ConfigMap",
      metadata: { name: "defaulted" },
    });
    expect(cm.metadata.namespace).toBe("default");
    const created = await client.create<UnstructuredObject>({
      apiVersion: "v1",
      kind: "Namespace",
      metadata: { name: "rooted" },
    });
    expect(created.metadata.namespace).toBeUndefined();
    expect(requestsSince(from).map((e) => `${e.verb} ${e.path}`)).toEqual([
      "POST /api/v1/namespaces/default/configmaps",
      "POST /api/v1/namespaces",
    ]);
    expect(await client.resourcePath({ apiVersion: "v1", kind: "ConfigMap" })).toBe("/api/v1/configmaps");
  });

  it("deletes with DeleteOptions in the body: preconditions are checked", async () => {
    const created = await client.create<UnstructuredObject>({
      apiVersion: "v1",
      kind: "ConfigMap",
      metadata: { name: "guarded", namespace: ns },
    });
    const ref = { apiVersion: "v1", kind: "ConfigMap", namespace: ns, name: "guarded" };
    const refused = await client
      .delete(ref, { propagationPolicy: "Background", preconditions: { uid: "someone-elses-uid" } })
      .catch((e: unknown) => e);
    expect(refused).toMatchObject({ status: 409, reason: "Conflict" });
    expect(await client.getOptional(ref)).toBeDefined();
    await client.delete(ref, { propagationPolicy: "Background", preconditions: { uid: created.metadata.uid ?? "" } });
    expect(await client.getOptional(ref)).toBeUndefined();
  });

  function relayedClient(relay: TcpRelay): KubeClient {
    const kubeConfig = new KubeConfig();
    kubeConfig.loadFromOptions({
      clusters: [{ name: "relay", server: relay.url, skipTLSVerify: true }],
      users: [{ name: "u", token: cluster.server.token }],
      contexts: [{ name: "relay", cluster: "relay", user: "u" }],
      currentContext: "relay",
    });
    return KubeClient.fromKubeConfig(kubeConfig, { rateLimit: false });
  }

  it("reuses one keep-alive connection for sequential requests", async () => {
    const relay = await startTcpRelay(new URL(cluster.server.url));
    const relayed = relayedClient(relay);
    try {
      const ref = { apiVersion: "v1", kind: "Namespace", name: "default" };
      for (let i = 0; i < 5; i++) await relayed.get(ref);
      expect(relay.connections).toBe(1);
    } finally {
      relayed.close();
      await relay.close();
    }
  });

  it("sends a request again on a fresh connection when the pooled one was closed by the server", async () => {
    const relay = await startTcpRelay(new URL(cluster.server.url));
    const relayed = relayedClient(relay);
    try {
      const ref = { apiVersion: "v1", kind: "Namespace", name: "default" };
      await relayed.get(ref);
      relay.staleOpenConnections();
      const again = await relayed.get(ref);
      expect(again.metadata.name).toBe("default");
      expect(relay.connections).toBe(2);
    } finally {
      relayed.close();
      await relay.close();
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
    const unreachable = KubeClient.fromKubeConfig(kc, { rateLimit: false });
    await expect(unreachable.get({ apiVersion: "v1", kind: "ConfigMap", name: "x" })).rejects.toMatchObject({
      status: 0,
      reason: "ConnectionFailed",
    });
  });
});
