import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { isAlreadyExists, isNotFound, KubeClient, PatchType, type UnstructuredObject } from "../src/kube/index.js";
import { startTestCluster, type TestCluster, uniqueSuffix } from "./support/test-cluster.js";

describe("KubeClient against an API server over TLS", () => {
  let cluster: TestCluster;
  let client: KubeClient;
  const ns = `kube-client-${uniqueSuffix()}`;

  beforeAll(async () => {
    // TLS on: the client must trust the server through the kubeconfig's certificate-authority-data.
    cluster = await startTestCluster({ tls: true });
    client = KubeClient.fromKubeConfig(cluster.kubeConfig);
    await client.create({ apiVersion: "v1", kind: "Namespace", metadata: { name: ns } });
  });

  afterAll(async () => {
    await client?.delete({ apiVersion: "v1", kind: "Namespace", name: ns }).catch(() => undefined);
    client?.close();
    await cluster?.stop();
  });

  it("creates, reads, patches, lists and deletes a ConfigMap", async () => {
    const ref = { apiVersion: "v1", kind: "ConfigMap", namespace: ns, name: "cm" };
    const created = await client.create<UnstructuredObject>({
      apiVersion: "v1",
      kind: "ConfigMap",
      metadata: { name: "cm", namespace: ns },
      data: { a: "1" },
    });
    expect(typeof created.metadata.creationTimestamp).toBe("string");
    const again = await client
      .create({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "cm", namespace: ns } })
      .catch((e: unknown) => e);
    expect(isAlreadyExists(again)).toBe(true);

    await client.patch(ref, { data: { b: "2" } }, { type: PatchType.Merge });
    const read = await client.get<{ apiVersion: string; kind: string; metadata: object; data: object }>(ref);
    expect(read.data).toEqual({ a: "1", b: "2" });

    const list = await client.list("v1", "ConfigMap", { namespace: ns });
    expect(list.items.map((i) => i.metadata.name)).toContain("cm");
    expect(list.resourceVersion).not.toBe("");

    await client.delete(ref);
    const gone = await client.get(ref).catch((e: unknown) => e);
    expect(isNotFound(gone)).toBe(true);
  });

  it("follows list pages until the list is complete", async () => {
    for (let i = 0; i < 5; i++) {
      await client.create({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: `paged-${i}`, namespace: ns } });
    }
    const list = await client.list("v1", "ConfigMap", { namespace: ns, limit: 2 });
    expect(list.items.map((i) => i.metadata.name).filter((n) => n?.startsWith("paged-"))).toEqual([
      "paged-0",
      "paged-1",
      "paged-2",
      "paged-3",
      "paged-4",
    ]);
    expect(list.items.every((i) => i.apiVersion === "v1" && i.kind === "ConfigMap")).toBe(true);
  });

  it("refuses a replace based on a stale resourceVersion with a Conflict", async () => {
    const created = await client.create<UnstructuredObject>({
      apiVersion: "v1",
      kind: "ConfigMap",
      metadata: { name: "stale", namespace: ns },
      data: { v: "1" },
    });
    await client.replace({ ...created, data: { v: "2" } });
    const err = await client.replace({ ...created, data: { v: "3" } }).catch((e: unknown) => e);
    expect(err).toMatchObject({ name: "ApiError", status: 409, reason: "Conflict" });
  });
});
