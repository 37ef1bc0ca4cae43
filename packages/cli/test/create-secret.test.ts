// create secret git|helm|oci|tls: flux's keys and types, --export YAML, created then updated on the cluster,
// and errors naming the flag.

import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { UnstructuredObject } from "@sluice/runtime/kube";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { type CliEnv, startCliEnv } from "./support/cli-env.js";

describe("sluice create secret", () => {
  let env: CliEnv;
  beforeAll(async () => {
    env = await startCliEnv();
    await writeFile(join(env.workDir, "ca.crt"), "-----BEGIN CERTIFICATE-----\nCA\n-----END CERTIFICATE-----\n");
    await writeFile(join(env.workDir, "tls.crt"), "-----BEGIN CERTIFICATE-----\nCRT\n-----END CERTIFICATE-----\n");
    await writeFile(join(env.workDir, "tls.key"), "-----BEGIN PRIVATE KEY-----\nKEY\n-----END PRIVATE KEY-----\n");
  });
  afterAll(async () => {
    await env?.stop();
  });

  const secret = (name: string) =>
    env.cluster.client.get<UnstructuredObject & { type?: string; data?: Record<string, string> }>({
      apiVersion: "v1",
      kind: "Secret",
      namespace: "flux-system",
      name,
    });
  const decoded = (data: Record<string, string> | undefined) =>
    Object.fromEntries(Object.entries(data ?? {}).map(([k, v]) => [k, Buffer.from(v, "base64").toString()]));

  it("git: --export prints basic auth and the CA as stringData; applying creates, then updates", async () => {
    const exported = await env.sluice(
      "create",
      "secret",
      "git",
      "repo-auth",
      "--url",
      "https://github.com/org/repo",
      "-u",
      "git",
      "-p",
      "s3cret",
      "--ca-crt-file",
      "ca.crt",
      "--export",
    );
    expect(exported.code).toBe(0);
    expect(exported.stdout.startsWith("---\n")).toBe(true);
    expect(parse(exported.stdout.slice(4))).toEqual({
      apiVersion: "v1",
      kind: "Secret",
      metadata: { name: "repo-auth", namespace: "flux-system" },
      type: "Opaque",
      stringData: {
        username: "git",
        password: "s3cret",
        "ca.crt": "-----BEGIN CERTIFICATE-----\nCA\n-----END CERTIFICATE-----\n",
      },
    });
    const created = await env.sluice(
      "create",
      "secret",
      "git",
      "repo-auth",
      "--url",
      "https://github.com/org/repo",
      "--bearer-token",
      "t0k",
    );
    expect(created.stderr).toBe("► secret 'repo-auth' created in 'flux-system' namespace\n");
    expect(decoded((await secret("repo-auth")).data)).toEqual({ bearerToken: "t0k" });
    const updated = await env.sluice(
      "create",
      "secret",
      "git",
      "repo-auth",
      "--url",
      "https://github.com/org/repo",
      "-u",
      "a",
      "-p",
      "b",
    );
    expect(updated.stderr).toBe("► secret 'repo-auth' updated in 'flux-system' namespace\n");
    expect(decoded((await secret("repo-auth")).data)).toEqual({ username: "a", password: "b" });
  });

  it("oci: a dockerconfigjson for the registry host", async () => {
    const r = await env.sluice(
      "create",
      "secret",
      "oci",
      "ghcr",
      "--url",
      "ghcr.io/org/charts",
      "-u",
      "me",
      "-p",
      "pw",
    );
    expect(r.code).toBe(0);
    const s = await secret("ghcr");
    expect(s.type).toBe("kubernetes.io/dockerconfigjson");
    expect(JSON.parse(decoded(s.data)[".dockerconfigjson"]!)).toEqual({
      auths: { "ghcr.io": { username: "me", password: "pw", auth: Buffer.from("me:pw").toString("base64") } },
    });
  });

  it("tls and helm: kubernetes.io/tls with tls.crt, tls.key and ca.crt; helm basic auth is Opaque", async () => {
    await env.sluice(
      "create",
      "secret",
      "tls",
      "certs",
      "--tls-crt-file",
      "tls.crt",
      "--tls-key-file",
      "tls.key",
      "--ca-crt-file",
      "ca.crt",
    );
    const tls = await secret("certs");
    expect(tls.type).toBe("kubernetes.io/tls");
    expect(Object.keys(decoded(tls.data)).sort()).toEqual(["ca.crt", "tls.crt", "tls.key"]);
    const helm = await env.sluice("create", "secret", "helm", "charts", "-u", "u", "-p", "p", "--export");
    expect(parse(helm.stdout.slice(4))).toMatchObject({ type: "Opaque", stringData: { username: "u", password: "p" } });
  });

  it("errors name the flag", async () => {
    const half = await env.sluice("create", "secret", "git", "x", "--url", "https://h/r", "-u", "only");
    expect(half.stderr).toBe("✗ --username and --password must be given together\n");
    const missing = await env.sluice(
      "create",
      "secret",
      "tls",
      "x",
      "--tls-crt-file",
      "nope.crt",
      "--tls-key-file",
      "tls.key",
    );
    expect(missing.stderr).toMatch(/^✗ invalid --tls-crt-file "nope\.crt": ENOENT/);
  });
});
