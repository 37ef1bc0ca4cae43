import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestCluster, type TestCluster } from "./helpers/cluster.js";
import { apiRequest } from "./helpers/http.js";

interface StatusBody {
  code: number;
  reason?: string;
  message: string;
  details?: { causes?: { reason: string; message: string }[]; retryAfterSeconds?: number };
}

describe("request limits answered as kube-apiserver answers them", () => {
  let c: TestCluster;
  beforeAll(async () => {
    c = await startTestCluster();
  });
  afterAll(async () => {
    await c.stop();
  });

  it("a body over 3 MiB gets 413 with kube's message, not a connection reset", async () => {
    const big = {
      apiVersion: "v1",
      kind: "ConfigMap",
      metadata: { name: "big" },
      data: { blob: "x".repeat(4 * 1024 * 1024) },
    };
    const r = await apiRequest(c.server, "POST", "/api/v1/namespaces/default/configmaps", {
      body: JSON.stringify(big),
    });
    expect(r.status).toBe(413);
    expect(r.json<StatusBody>()).toMatchObject({
      code: 413,
      reason: "RequestEntityTooLarge",
      message: "Request entity too large: limit is 3145728",
    });
    c.writeFile("big.json", JSON.stringify(big));
    const k = await c.kubectl(["create", "-f", `${c.dir}/big.json`]);
    expect(k.code).not.toBe(0);
    expect(k.stderr).toContain("Request entity too large: limit is 3145728");
    // The server still serves the same client afterwards.
    expect((await c.kubectl(["get", "configmaps", "big"])).stderr).toContain('configmaps "big" not found');
  });

  it("a list or watch from a resourceVersion the server has not reached gets 504 Too large resource version", async () => {
    const current = Number(
      (await apiRequest(c.server, "GET", "/api/v1/namespaces/default/configmaps")).json<{
        metadata: { resourceVersion: string };
      }>().metadata.resourceVersion,
    );
    const future = current + 1000;
    for (const path of [
      `/api/v1/namespaces/default/configmaps?resourceVersion=${future}`,
      `/api/v1/namespaces/default/configmaps?watch=true&resourceVersion=${future}`,
    ]) {
      const r = await apiRequest(c.server, "GET", path);
      expect(r.status).toBe(504);
      expect(r.headers["retry-after"]).toBe("1");
      const body = r.json<StatusBody>();
      expect(body.reason).toBe("Timeout");
      expect(body.message).toMatch(new RegExp(`^Timeout: Too large resource version: ${future}, current: \\d+$`));
      expect(body.details).toEqual({
        causes: [{ reason: "ResourceVersionTooLarge", message: "Too large resource version" }],
        retryAfterSeconds: 1,
      });
    }
    // (kubectl is not run here: client-go honours Retry-After and retries a 504 ten times, as against a cluster.)
  });

  it("a list from the next resourceVersion waits for that write instead of answering from the past", async () => {
    const list = (await apiRequest(c.server, "GET", "/api/v1/namespaces/default/configmaps")).json<{
      metadata: { resourceVersion: string };
    }>();
    const next = Number(list.metadata.resourceVersion) + 1;
    const pending = apiRequest(c.server, "GET", `/api/v1/namespaces/default/configmaps?resourceVersion=${next}`);
    const created = await apiRequest(c.server, "POST", "/api/v1/namespaces/default/configmaps", {
      body: JSON.stringify({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "later" } }),
    });
    expect(created.status).toBe(201);
    const r = await pending;
    expect(r.status).toBe(200);
    const names = r.json<{ items: { metadata: { name: string } }[] }>().items.map((i) => i.metadata.name);
    expect(names).toContain("later");
  });
});
