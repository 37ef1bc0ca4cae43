import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type ApiServer, startApiServer } from "@sluice/apiserver";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ApiError } from "./api-error.js";
import { KubeClient } from "./kube-client.js";
import { KubeConfig } from "./kube-config.js";

describe("KubeConfig (own loader) against a TLS API server", () => {
  let server: ApiServer;
  let dir: string;

  beforeAll(async () => {
    server = await startApiServer({ tls: true, simulateWorkloads: false });
    dir = mkdtempSync(join(tmpdir(), "sluice-kubeconfig-test-"));
  });
  afterAll(async () => {
    await server?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  function caData(): string {
    return Buffer.from(server.caCert ?? "").toString("base64");
  }

  function kubeconfigYaml(user: string, extraCluster = ""): string {
    return [
      "apiVersion: v1",
      "kind: Config",
      "clusters:",
      "- name: c",
      "  cluster:",
      `    server: ${server.url}`,
      `    certificate-authority-data: ${caData()}`,
      ...(extraCluster ? [`    ${extraCluster}`] : []),
      "users:",
      "- name: u",
      "  user:",
      `    ${user}`,
      "contexts:",
      "- name: ctx",
      "  context: {cluster: c, user: u, namespace: team-a}",
      "current-context: ctx",
    ].join("\n");
  }

  async function namespacesVia(config: KubeConfig): Promise<string[]> {
    const client = KubeClient.fromKubeConfig(config, { rateLimit: false });
    try {
      const list = await client.list("v1", "Namespace");
      return list.items.map((n) => n.metadata.name ?? "");
    } finally {
      client.close();
    }
  }

  it("loads the server's own kubeconfig file (token + CA) and lists namespaces; context namespace is the default", async () => {
    const path = join(dir, "server-kubeconfig");
    server.writeKubeconfig(path);
    const config = new KubeConfig();
    config.loadFromFile(path);
    expect(await namespacesVia(config)).toContain("default");
    const yaml = kubeconfigYaml(`token: ${server.token}`);
    const other = new KubeConfig();
    other.loadFromString(yaml);
    expect(KubeClient.fromKubeConfig(other).defaultNamespace).toBe("team-a");
  });

  it("reads a tokenFile relative to the kubeconfig's directory", async () => {
    const sub = join(dir, "tokenfile");
    mkdirSync(sub);
    writeFileSync(join(sub, "token"), `${server.token}\n`);
    writeFileSync(join(sub, "config"), kubeconfigYaml("tokenFile: token"));
    const config = new KubeConfig();
    config.loadFromFile(join(sub, "config"));
    expect(await namespacesVia(config)).toContain("kube-system");
  });

  it("runs an exec credential plugin and sends the token it prints", async () => {
    const plugin = join(dir, "plugin.sh");
    writeFileSync(
      plugin,
      `#!/bin/sh\necho '{"apiVersion":"client.authentication.k8s.io/v1","kind":"ExecCredential","status":{"token":"'"$SLUICE_TEST_TOKEN"'"}}'\n`,
    );
    chmodSync(plugin, 0o755);
    const config = new KubeConfig();
    config.loadFromString(
      kubeconfigYaml(
        `exec: {apiVersion: client.authentication.k8s.io/v1, command: ${plugin}, env: [{name: SLUICE_TEST_TOKEN, value: ${server.token}}]}`,
      ),
    );
    expect(await namespacesVia(config)).toContain("default");
  });

  it("loads the in-cluster service account config", async () => {
    const prefix = join(dir, "pod");
    const sa = join(prefix, "var/run/secrets/kubernetes.io/serviceaccount");
    mkdirSync(sa, { recursive: true });
    writeFileSync(join(sa, "token"), server.token);
    writeFileSync(join(sa, "ca.crt"), server.caCert ?? "");
    writeFileSync(join(sa, "namespace"), "flux-system\n");
    const saved = { host: process.env["KUBERNETES_SERVICE_HOST"], port: process.env["KUBERNETES_SERVICE_PORT"] };
    process.env["KUBERNETES_SERVICE_HOST"] = "127.0.0.1";
    process.env["KUBERNETES_SERVICE_PORT"] = String(server.port);
    try {
      const config = new KubeConfig();
      config.loadFromCluster(prefix);
      expect(KubeClient.fromKubeConfig(config).defaultNamespace).toBe("flux-system");
      expect(await namespacesVia(config)).toContain("default");
    } finally {
      for (const [key, value] of [
        ["KUBERNETES_SERVICE_HOST", saved.host],
        ["KUBERNETES_SERVICE_PORT", saved.port],
      ] as const) {
        if (value === undefined) delete process.env[key];
        else process.env[key] = value;
      }
    }
  });

  it("fails with 401 Unauthorized for a wrong token, and TLS verification fails without the CA", async () => {
    const wrong = new KubeConfig();
    wrong.loadFromString(kubeconfigYaml("token: not-the-token"));
    const err = await namespacesVia(wrong).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect((err as ApiError).status).toBe(401);

    const noCa = new KubeConfig();
    noCa.loadFromString(kubeconfigYaml(`token: ${server.token}`).replace(/ {4}certificate-authority-data: .*\n/, ""));
    const tlsErr = await namespacesVia(noCa).catch((e: unknown) => e);
    expect(tlsErr).toBeInstanceOf(ApiError);
    expect((tlsErr as ApiError).message).toMatch(/certificate/i);

    const skip = new KubeConfig();
    skip.loadFromString(
      kubeconfigYaml(`token: ${server.token}`, "insecure-skip-tls-verify: true").replace(
        / {4}certificate-authority-data: .*\n/,
        "",
      ),
    );
    expect(await namespacesVia(skip)).toContain("default");
  });

  it("names the invalid entry of a bad kubeconfig, and round-trips through exportConfig", () => {
    expect(() => new KubeConfig().loadFromString("clusters:\n- name: c\n  cluster: {}\n")).toThrow(
      "clusters[c].cluster.server is required",
    );
    expect(() => new KubeConfig().loadFromString("users:\n- user: {token: x}\n")).toThrow(
      "kubeconfig users[0].name is required",
    );
    const config = new KubeConfig();
    config.loadFromString(kubeconfigYaml(`token: ${server.token}`));
    const again = new KubeConfig();
    again.loadFromString(config.exportConfig());
    expect(again.getCurrentCluster()).toEqual(config.getCurrentCluster());
    expect(again.getCurrentUser()?.token).toBe(server.token);
    expect(again.getContextObject("ctx")?.namespace).toBe("team-a");
  });
});
