import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestCluster, type TestCluster } from "./helpers/cluster.js";
import { apiRequest } from "./helpers/http.js";

const CRD = {
  apiVersion: "apiextensions.k8s.io/v1",
  kind: "CustomResourceDefinition",
  metadata: { name: "gadgets.example.com" },
  spec: {
    group: "example.com",
    scope: "Namespaced",
    names: { plural: "gadgets", singular: "gadget", kind: "Gadget" },
    versions: [
      {
        name: "v1",
        served: true,
        storage: true,
        schema: {
          openAPIV3Schema: {
            type: "object",
            properties: {
              spec: {
                type: "object",
                properties: {
                  plain: { type: "string" },
                  maybe: { type: "string", nullable: true },
                  nested: { type: "object", properties: { inner: { type: "integer" } } },
                },
              },
            },
          },
        },
      },
    ],
  },
};

describe("nulls in written objects", () => {
  let c: TestCluster;
  const req = (method: string, path: string, body?: unknown, contentType?: string) =>
    apiRequest(c.server, method, path, {
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
      ...(contentType ? { headers: { "Content-Type": contentType } } : {}),
    });
  beforeAll(async () => {
    c = await startTestCluster();
  });
  afterAll(async () => {
    await c.stop();
  });

  it("built-in kinds drop null fields as decoding into the Go types does", async () => {
    const lease = {
      apiVersion: "coordination.k8s.io/v1",
      kind: "Lease",
      metadata: { name: "leader", labels: null, annotations: { a: null } },
      spec: { holderIdentity: null, leaseDurationSeconds: 15 },
    };
    const path = "/apis/coordination.k8s.io/v1/namespaces/default/leases";
    const created = await req("POST", path, lease);
    expect(created.status).toBe(201);
    for (const got of [created.json(), (await req("GET", `${path}/leader`)).json()]) {
      expect(got["spec"]).toEqual({ leaseDurationSeconds: 15 });
      const meta = got["metadata"] as Record<string, unknown>;
      expect("labels" in meta).toBe(false);
      expect(meta["annotations"]).toEqual({ a: "" });
    }
    const current = (await req("GET", `${path}/leader`)).json<{ metadata: Record<string, unknown> }>();
    const put = await req("PUT", `${path}/leader`, {
      ...lease,
      metadata: { name: "leader", resourceVersion: current.metadata["resourceVersion"], labels: null },
      spec: { holderIdentity: "me", renewTime: null, leaseDurationSeconds: 15 },
    });
    expect(put.status).toBe(200);
    expect(put.json()["spec"]).toEqual({ holderIdentity: "me", leaseDurationSeconds: 15 });

    const applied = await req(
      "PATCH",
      "/api/v1/namespaces/default/configmaps/applied?fieldManager=t",
      { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "applied", labels: null }, data: null },
      "application/apply-patch+yaml",
    );
    expect(applied.status).toBe(201);
    const cm = applied.json();
    expect("data" in cm).toBe(false);
    expect("labels" in (cm["metadata"] as Record<string, unknown>)).toBe(false);
  });

  it("custom resources keep null only in nullable fields", async () => {
    expect((await req("POST", "/apis/apiextensions.k8s.io/v1/customresourcedefinitions", CRD)).status).toBe(201);
    const path = "/apis/example.com/v1/namespaces/default/gadgets";
    let created = await req("POST", path, {
      apiVersion: "example.com/v1",
      kind: "Gadget",
      metadata: { name: "g" },
      spec: { plain: null, maybe: null, nested: { inner: null } },
    });
    for (let i = 0; i < 50 && created.status === 404; i++) {
      await new Promise((r) => setTimeout(r, 50));
      created = await req("POST", path, {
        apiVersion: "example.com/v1",
        kind: "Gadget",
        metadata: { name: "g" },
        spec: { plain: null, maybe: null, nested: { inner: null } },
      });
    }
    expect(created.status).toBe(201);
    expect((await req("GET", `${path}/g`)).json()["spec"]).toEqual({ maybe: null, nested: {} });
  });
});
