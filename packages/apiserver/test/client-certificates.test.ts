// Client-certificate authentication as kube-apiserver's --client-ca-file, through real kubectl: CN is the user,
// O the groups, RBAC applies to them; untrusted, expired and server-only certificates are 401.
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { request } from "node:https";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse, stringify } from "yaml";
import { type CertAndKey, TestCa } from "./helpers/client-certs.js";
import { KUBECTL, run, startTestCluster, type TestCluster } from "./helpers/cluster.js";
import { buildDist, MAIN_JS } from "./helpers/server-process.js";

const b64 = (s: string): string => Buffer.from(s).toString("base64");

describe("client-certificate authentication (clientCA)", () => {
  let c: TestCluster;
  const ca = new TestCa("test-client-ca");
  const other = new TestCa("untrusted-ca");

  /** Runs kubectl with a kubeconfig that authenticates with `cred` only. */
  const asCert = (cred: CertAndKey, args: string[]) => {
    const kubeconfig = {
      apiVersion: "v1",
      kind: "Config",
      clusters: [{ name: "s", cluster: { server: c.server.url, "certificate-authority-data": b64(c.server.caCert!) } }],
      users: [{ name: "u", user: { "client-certificate-data": b64(cred.cert), "client-key-data": b64(cred.key) } }],
      contexts: [{ name: "s", context: { cluster: "s", user: "u", namespace: "default" } }],
      "current-context": "s",
    };
    const path = c.writeFile(`kc-${Math.random().toString(36).slice(2)}`, stringify(kubeconfig));
    return run(KUBECTL, ["--kubeconfig", path, ...args], { env: c.env, cwd: c.dir });
  };

  /** A raw request presenting `cred` (Node sends it whatever CAs the server asks for) and maybe a token. */
  const rawGet = (cred: CertAndKey, path: string, token?: string) =>
    new Promise<number>((resolve, reject) => {
      const req = request(
        new URL(path, c.server.url),
        {
          ca: c.server.caCert,
          cert: cred.cert,
          key: cred.key,
          headers: token !== undefined ? { Authorization: `Bearer ${token}` } : {},
        },
        (res) => {
          res.resume();
          res.on("end", () => resolve(res.statusCode ?? 0));
        },
      );
      req.on("error", reject);
      req.end();
    });

  beforeAll(async () => {
    c = await startTestCluster({ clientCA: ca.cert });
  });
  afterAll(async () => {
    await c.stop();
  });

  it("authenticates CN as the user and O as groups (kubectl auth whoami)", async () => {
    const r = await asCert(ca.issue("alice", ["devs", "team-two"]), ["auth", "whoami", "-o", "json"]);
    expect(r.stderr).toBe("");
    const info = (JSON.parse(r.stdout) as { status: { userInfo: Record<string, unknown> } }).status.userInfo;
    expect(info["username"]).toBe("alice");
    expect(info["groups"]).toEqual(["devs", "team-two", "system:authenticated"]);
    const extra = info["extra"] as Record<string, string[]>;
    expect(extra["authentication.kubernetes.io/credential-id"]?.[0]).toMatch(/^X509SHA256=[0-9a-f]{64}$/);
  });

  it("applies RBAC to the certificate's user and groups", async () => {
    const bob = ca.issue("bob", ["readers"]);
    const denied = await asCert(bob, ["get", "configmaps", "-n", "default"]);
    expect(denied.stderr).toContain(
      'User "bob" cannot list resource "configmaps" in API group "" in the namespace "default"',
    );
    await c.kubectlOk(["create", "rolebinding", "readers-view", "--clusterrole=view", "--group=readers"]);
    const allowed = await asCert(bob, ["get", "configmaps", "-n", "default", "-o", "name"]);
    expect(allowed.stderr).toBe("");
    expect(allowed.stdout).toContain("configmap/kube-root-ca.crt");
    const write = await asCert(bob, ["create", "configmap", "by-bob", "-n", "default"]);
    expect(write.stderr).toContain('User "bob" cannot create resource "configmaps"');
    const admin = await asCert(ca.issue("root", ["system:masters"]), ["create", "configmap", "by-root"]);
    expect(admin.stderr).toBe("");
  });

  it("refuses untrusted, expired and server-only certificates with 401", async () => {
    for (const cred of [
      other.issue("mallory", ["system:masters"]),
      ca.issue("old", ["system:masters"], { expired: true }),
      ca.issue("server", ["system:masters"], { usage: "serverAuth" }),
    ]) {
      const r = await asCert(cred, ["get", "namespaces"]);
      expect(r.code).not.toBe(0);
      expect(r.stderr).toContain("Unauthorized");
      expect(await rawGet(cred, "/api/v1/namespaces")).toBe(401);
      expect(await rawGet(cred, "/version")).toBe(401);
      // As kube-apiserver: a valid token still authenticates the request.
      expect(await rawGet(cred, "/api/v1/namespaces", c.server.token)).toBe(200);
    }
  });

  it("lets a certificate without a common name through only as anonymous", async () => {
    const nameless = ca.issue("", ["system:masters"]);
    expect(await rawGet(nameless, "/api/v1/namespaces")).toBe(401);
    expect(await rawGet(nameless, "/version")).toBe(200);
  });

  it("still authenticates tokens, and a valid certificate wins over a bad token", async () => {
    expect((await c.kubectl(["get", "ns", "default"])).code).toBe(0);
    expect(await rawGet(ca.issue("root", ["system:masters"]), "/api/v1/namespaces", "not-a-token")).toBe(200);
  });
});

describe("without clientCA", () => {
  it("asks for no client certificate and authenticates none", async () => {
    const c = await startTestCluster();
    try {
      const cred = new TestCa("ca").issue("root", ["system:masters"]);
      const status = await new Promise<number>((resolve, reject) => {
        const req = request(
          new URL("/api/v1/namespaces", c.server.url),
          { ca: c.server.caCert, cert: cred.cert, key: cred.key },
          (res) => {
            res.resume();
            res.on("end", () => resolve(res.statusCode ?? 0));
          },
        );
        req.on("error", reject);
        req.end();
      });
      expect(status).toBe(401);
    } finally {
      await c.stop();
    }
  });
});

describe("dist/main.js --client-ca-file", () => {
  let dir: string;
  beforeAll(() => {
    buildDist();
    dir = mkdtempSync(join(tmpdir(), "sluice-client-ca-"));
  }, 120_000);
  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it("authenticates certificates the file's CA signed", async () => {
    const ca = new TestCa("file-ca");
    writeFileSync(join(dir, "ca.pem"), ca.cert);
    const adminKubeconfig = join(dir, "admin.kubeconfig");
    const args = ["--port", "0", "--kubeconfig", adminKubeconfig, "--client-ca-file", join(dir, "ca.pem")];
    const child = spawn(process.execPath, [MAIN_JS, ...args, "--no-simulate-workloads"]);
    const exited = new Promise<void>((r) => child.on("close", () => r()));
    try {
      const url = await new Promise<string>((resolve, reject) => {
        let out = "";
        child.stdout.on("data", (d: Buffer) => {
          out += d.toString();
          const line = out.split("\n").find((l) => l.includes('"msg":"serving"'));
          if (line) resolve((JSON.parse(line) as { url: string }).url);
        });
        void exited.then(() => reject(new Error(`server exited: ${out}`)));
      });
      const admin = parse(readFileSync(adminKubeconfig, "utf8")) as {
        clusters: { cluster: { "certificate-authority-data": string } }[];
      };
      const cred = ca.issue("carol", ["system:masters"]);
      const kubeconfig = join(dir, "carol.kubeconfig");
      writeFileSync(
        kubeconfig,
        stringify({
          apiVersion: "v1",
          kind: "Config",
          clusters: [
            {
              name: "s",
              cluster: {
                server: url,
                "certificate-authority-data": admin.clusters[0]!.cluster["certificate-authority-data"],
              },
            },
          ],
          users: [{ name: "u", user: { "client-certificate-data": b64(cred.cert), "client-key-data": b64(cred.key) } }],
          contexts: [{ name: "s", context: { cluster: "s", user: "u" } }],
          "current-context": "s",
        }),
      );
      const r = await run(
        KUBECTL,
        ["--kubeconfig", kubeconfig, "auth", "whoami", "-o", "jsonpath={.status.userInfo.username}"],
        {
          env: { PATH: process.env["PATH"] ?? "/usr/bin:/bin", HOME: dir },
        },
      );
      expect([r.stdout, r.stderr]).toEqual(["carol", ""]);
    } finally {
      child.kill("SIGTERM");
      await exited;
    }
  });
});
