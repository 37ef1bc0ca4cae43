import { request } from "node:http";
import { CoreV1Api, KubeConfig } from "@kubernetes/client-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { isLoopbackAddress } from "../src/http/authenticate.js";
import { isLoopbackHost } from "../src/http/host-check.js";
import { startApiServer } from "../src/index.js";
import { startTestCluster, type TestCluster } from "./helpers/cluster.js";

/** One plain-HTTP GET; returns the status code. */
function httpGet(url: string, headers: Record<string, string> = {}): Promise<number> {
  return httpGetBody(url, headers).then((r) => r.status);
}

/** One plain-HTTP GET; returns the status code and body. */
function httpGetBody(url: string, headers: Record<string, string> = {}): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { headers: { Accept: "application/json", ...headers } }, (res) => {
      let body = "";
      res.on("data", (d: Buffer) => {
        body += d.toString();
      });
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on("error", reject);
    req.end();
  });
}

describe("plain HTTP (tls: false)", () => {
  let secure: TestCluster;
  let open: TestCluster;
  beforeAll(async () => {
    secure = await startTestCluster({ tls: false });
    open = await startTestCluster({ tls: false, allowUnauthenticatedHttp: true });
  });
  afterAll(async () => {
    await secure.stop();
    await open.stop();
  });

  it("writes insecure-skip-tls-verify for http clusters so @kubernetes/client-node accepts them", async () => {
    const kc = parse(await secure.kubectlOk(["config", "view", "--raw", "-o", "yaml"])) as {
      clusters: { cluster: Record<string, unknown> }[];
    };
    expect(kc.clusters[0]?.cluster).toEqual({ server: secure.server.url, "insecure-skip-tls-verify": true });
    const client = new KubeConfig();
    client.loadFromFile(secure.kubeconfigPath);
    const api = client.makeApiClient(CoreV1Api);
    // client-node sends the token over http, so this works without allowUnauthenticatedHttp.
    const list = await api.listNamespace();
    expect(list.items.map((n) => n.metadata?.name)).toContain("default");
  });

  it("by default kubectl gets 401: client-go withholds the bearer token over plain http", async () => {
    const r = await secure.kubectl(["get", "namespaces", "-v=8"]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain("the server has asked for the client to provide credentials");
    expect(r.stderr).not.toMatch(/Authorization/i);
    expect(await httpGet(`${secure.server.url}/api/v1/namespaces`)).toBe(401);
  });

  it("with allowUnauthenticatedHttp, kubectl and helm work from loopback without a token", async () => {
    expect(await open.kubectlOk(["get", "namespaces", "-o", "name"])).toContain("namespace/default");
    await open.kubectlOk(["create", "configmap", "via-http", "--from-literal=a=1"]);
    expect(await open.kubectlOk(["get", "cm", "via-http", "-o", "jsonpath={.data.a}"])).toBe("1");
    const helm = await open.helm(["list", "-A"]);
    expect(helm.stderr).toBe("");
    expect(helm.code).toBe(0);
    const audit = open.server.auditEvents().filter((e) => e.path.startsWith("/api/v1/namespaces/default/configmaps"));
    expect(audit.some((e) => e.user === "sluice-admin" && e.code === 201)).toBe(true);
  });

  it("with allowUnauthenticatedHttp, a wrong token is still refused", async () => {
    expect(await httpGet(`${open.server.url}/api/v1/namespaces`, { Authorization: "Bearer wrong" })).toBe(401);
    expect(
      await httpGet(`${open.server.url}/api/v1/namespaces`, { Authorization: `Bearer ${open.server.token}` }),
    ).toBe(200);
  });

  it("with allowUnauthenticatedHttp, a Host that is not a loopback name is refused (DNS rebinding)", async () => {
    const port = open.server.port;
    for (const host of [
      `evil.example:${port}`,
      `attacker.test`,
      `10.0.0.5:${port}`,
      `localhost.evil.example:${port}`,
    ]) {
      const r = await httpGetBody(`${open.server.url}/api/v1/namespaces`, { Host: host });
      expect(`${host} ${r.status}`).toBe(`${host} 421`);
      expect(JSON.parse(r.body)).toMatchObject({ kind: "Status", reason: "MisdirectedRequest", code: 421 });
    }
    for (const host of [`localhost:${port}`, `127.0.0.1:${port}`, `[::1]:${port}`, "LOCALHOST"]) {
      expect(`${host} ${await httpGet(`${open.server.url}/api/v1/namespaces`, { Host: host })}`).toBe(`${host} 200`);
    }
    // kubectl sends the kubeconfig's host (127.0.0.1) and keeps working.
    expect(await open.kubectlOk(["get", "ns", "default", "-o", "name"])).toContain("namespace/default");
  });

  it("recognises only loopback names as loopback hosts", () => {
    for (const h of ["localhost", "localhost:80", "127.0.0.1", "127.0.0.1:6443", "127.9.8.7", "[::1]", "[::1]:8080"]) {
      expect(isLoopbackHost(h)).toBe(true);
    }
    for (const h of ["", undefined, "evil.example", "localhost.evil", "127.0.0.1.nip.io", "[::2]", "0.0.0.0", "::1"]) {
      expect(isLoopbackHost(h)).toBe(false);
    }
  });

  it("allowUnauthenticatedHttp is refused for TLS servers", async () => {
    await expect(startApiServer({ allowUnauthenticatedHttp: true })).rejects.toThrow(
      "allowUnauthenticatedHttp requires tls: false",
    );
  });

  it("only loopback peers count as loopback", () => {
    for (const a of ["127.0.0.1", "127.1.2.3", "::1", "::ffff:127.0.0.1"]) expect(isLoopbackAddress(a)).toBe(true);
    for (const a of ["10.0.0.1", "::ffff:10.0.0.1", "192.168.1.127", "::", "fe80::1", "", undefined]) {
      expect(isLoopbackAddress(a)).toBe(false);
    }
  });
});
