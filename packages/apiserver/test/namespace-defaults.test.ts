// Every namespace gets the `default` ServiceAccount and the `kube-root-ca.crt` ConfigMap, as
// kube-controller-manager's serviceaccounts and root-ca-cert-publisher controllers do — checked with real kubectl.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startApiServer } from "../src/index.js";
import { startTestCluster, type TestCluster } from "./helpers/cluster.js";
import { apiRequest } from "./helpers/http.js";

interface Obj {
  metadata: { name: string; uid: string; annotations?: Record<string, string> };
  data?: Record<string, string>;
}

async function eventually<T>(fn: () => Promise<T>, ok: (v: T) => boolean, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last = await fn();
  while (!ok(last)) {
    if (Date.now() > deadline) throw new Error(`condition not met; last value: ${JSON.stringify(last)}`);
    await new Promise((r) => setTimeout(r, 50));
    last = await fn();
  }
  return last;
}

describe("namespace defaults: default ServiceAccount and kube-root-ca.crt", () => {
  let c: TestCluster;
  const getJson = async (args: string[]): Promise<Obj | undefined> => {
    const r = await c.kubectl(["get", ...args, "-o", "json"]);
    return r.code === 0 ? (JSON.parse(r.stdout) as Obj) : undefined;
  };
  const names = async (kind: string, ns: string): Promise<string[]> =>
    (await c.kubectlOk(["get", kind, "-n", ns, "-o", "name"])).trim().split("\n").filter(Boolean);

  beforeAll(async () => {
    c = await startTestCluster();
  });
  afterAll(async () => {
    await c.stop();
  });

  it("are in the built-in namespaces, with the serving CA as ca.crt", async () => {
    for (const ns of ["default", "kube-system", "kube-public", "kube-node-lease"]) {
      const sa = await eventually(
        () => getJson(["sa", "default", "-n", ns]),
        (o) => o !== undefined,
      );
      expect(sa?.metadata.name).toBe("default");
      const cm = await eventually(
        () => getJson(["cm", "kube-root-ca.crt", "-n", ns]),
        (o) => o !== undefined,
      );
      expect(cm?.data).toEqual({ "ca.crt": c.server.caCert });
      expect(cm?.metadata.annotations?.["kubernetes.io/description"]).toContain("verify the kube-apiserver");
    }
  });

  it("are created in a new namespace, and kubectl create token works for the ServiceAccount", async () => {
    await c.kubectlOk(["create", "ns", "fresh"]);
    await eventually(
      () => getJson(["sa", "default", "-n", "fresh"]),
      (o) => o !== undefined,
    );
    const cm = await eventually(
      () => getJson(["cm", "kube-root-ca.crt", "-n", "fresh"]),
      (o) => o !== undefined,
    );
    expect(cm?.data?.["ca.crt"]).toContain("-----BEGIN CERTIFICATE-----");
    const token = (await c.kubectlOk(["create", "token", "default", "-n", "fresh"])).trim();
    expect(token.split(".")).toHaveLength(3);
    const who = await c.kubectlOk(["auth", "whoami", "--token", token, "-o", "jsonpath={.status.userInfo.username}"]);
    expect(who).toBe("system:serviceaccount:fresh:default");
  });

  it("Pods run as the default ServiceAccount unless they name one", async () => {
    await c.kubectlOk(["create", "ns", "pods"]);
    await c.kubectlOk(["run", "plain", "--image=busybox", "--restart=Never", "-n", "pods"]);
    const spec = "jsonpath={.spec.serviceAccountName}/{.spec.serviceAccount}";
    expect(await c.kubectlOk(["get", "pod", "plain", "-n", "pods", "-o", spec])).toBe("default/default");
    await c.kubectlOk(["label", "pod", "plain", "-n", "pods", "x=y"]);
    expect(await c.kubectlOk(["get", "pod", "plain", "-n", "pods", "-o", spec])).toBe("default/default");
    const named = await c.kubectl(
      ["create", "-f", "-"],
      JSON.stringify({
        apiVersion: "v1",
        kind: "Pod",
        metadata: { name: "named", namespace: "pods" },
        spec: { serviceAccount: "builder", containers: [{ name: "c", image: "busybox" }] },
      }),
    );
    expect(named.stderr).toBe("");
    expect(await c.kubectlOk(["get", "pod", "named", "-n", "pods", "-o", spec])).toBe("builder/builder");
  });

  it("are re-created when deleted, put back when changed, and never duplicated", async () => {
    await c.kubectlOk(["create", "ns", "again"]);
    const first = await eventually(
      () => getJson(["sa", "default", "-n", "again"]),
      (o) => o !== undefined,
    );
    await c.kubectlOk(["delete", "sa", "default", "-n", "again"]);
    await eventually(
      () => getJson(["sa", "default", "-n", "again"]),
      (o) => o !== undefined && o.metadata.uid !== first?.metadata.uid,
    );
    await eventually(
      () => getJson(["cm", "kube-root-ca.crt", "-n", "again"]),
      (o) => o !== undefined,
    );
    await c.kubectlOk(["delete", "cm", "kube-root-ca.crt", "-n", "again"]);
    await eventually(
      () => getJson(["cm", "kube-root-ca.crt", "-n", "again"]),
      (o) => o?.data?.["ca.crt"] === c.server.caCert,
    );
    await c.kubectlOk(["patch", "cm", "kube-root-ca.crt", "-n", "again", "-p", '{"data":{"ca.crt":"tampered"}}']);
    await eventually(
      () => getJson(["cm", "kube-root-ca.crt", "-n", "again"]),
      (o) => o?.data?.["ca.crt"] === c.server.caCert,
    );
    expect(await names("sa", "again")).toEqual(["serviceaccount/default"]);
    expect(await names("cm", "again")).toEqual(["configmap/kube-root-ca.crt"]);
  });

  it("are deleted with their namespace, which then goes away", async () => {
    await c.kubectlOk(["create", "ns", "doomed"]);
    await eventually(
      () => getJson(["cm", "kube-root-ca.crt", "-n", "doomed"]),
      (o) => o !== undefined,
    );
    await c.kubectlOk(["delete", "ns", "doomed", "--timeout=20s"]);
    const r = await c.kubectl(["get", "ns", "doomed"]);
    expect(r.stderr).toContain('namespaces "doomed" not found');
  });
});

describe("namespace defaults after a restart", () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), "sluice-ns-defaults-"));
  });
  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it("publishes the new serving CA into namespaces restored from the data directory", async () => {
    // A plain-HTTP server has no CA to publish: the namespace is stored without the ConfigMap.
    const s1 = await startApiServer({ dataDir: dir, tls: false, simulateWorkloads: false });
    try {
      const call = (method: string, path: string, body?: unknown) =>
        fetch(`${s1.url}${path}`, {
          method,
          headers: { Authorization: `Bearer ${s1.token}`, "Content-Type": "application/json" },
          ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
        });
      const ns = { apiVersion: "v1", kind: "Namespace", metadata: { name: "kept" } };
      expect((await call("POST", "/api/v1/namespaces", ns)).status).toBe(201);
      await eventually(
        async () => (await call("GET", "/api/v1/namespaces/kept/serviceaccounts/default")).status,
        (s) => s === 200,
      );
      expect((await call("GET", "/api/v1/namespaces/kept/configmaps/kube-root-ca.crt")).status).toBe(404);
    } finally {
      await s1.stop();
    }
    for (let i = 0; i < 2; i++) {
      const s = await startApiServer({ dataDir: dir, simulateWorkloads: false });
      try {
        const cm = await eventually(
          async () => {
            const r = await apiRequest(s, "GET", "/api/v1/namespaces/kept/configmaps/kube-root-ca.crt");
            return r.status === 200 ? r.json<Obj>() : undefined;
          },
          (o) => o?.data?.["ca.crt"] === s.caCert,
        );
        expect(cm?.data).toEqual({ "ca.crt": s.caCert });
      } finally {
        await s.stop();
      }
    }
  });
});
