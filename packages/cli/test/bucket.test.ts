// The Bucket source commands against the real source-controller and a real S3-compatible server (s3rver):
// create (flux's flags, --export, the credentials Secret), get, reconcile, suspend/resume, export, delete.

import type { UnstructuredObject } from "@sluice/runtime";
import { type S3Server, startS3Server } from "@sluice/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type CliEnv, startCliEnv } from "./support/cli-env.js";

describe("sluice source bucket commands", () => {
  let env: CliEnv;
  let s3: S3Server;

  beforeAll(async () => {
    env = await startCliEnv({ withSourceController: true });
    s3 = await startS3Server({ buckets: ["podinfo"] });
    await s3.putObject("podinfo", "deploy/cm.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n");
  });
  afterAll(async () => {
    await s3?.stop();
    await env?.stop();
  });

  const flags = () => ["--bucket-name", "podinfo", "--endpoint", s3.endpoint, "--insecure"];

  it("create source bucket --export prints flux's YAML without the keys", async () => {
    const r = await env.sluice(
      "create",
      "source",
      "bucket",
      "podinfo",
      ...flags(),
      "--access-key",
      s3.accessKey,
      "--secret-key",
      s3.secretKey,
      "--ignore-paths",
      "*.md,docs/",
      "--fetch-timeout",
      "30s",
      "--proxy-secret-ref",
      "proxy",
      "--interval",
      "10m",
      "--export",
    );
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(
      [
        "---",
        "apiVersion: source.toolkit.fluxcd.io/v1",
        "kind: Bucket",
        "metadata:",
        "  name: podinfo",
        "  namespace: flux-system",
        "spec:",
        "  bucketName: podinfo",
        `  endpoint: ${s3.endpoint}`,
        "  ignore: |-",
        "    *.md",
        "    docs/",
        "  insecure: true",
        "  interval: 10m0s",
        "  provider: generic",
        "  proxySecretRef:",
        "    name: proxy",
        "  timeout: 30s",
        "",
      ].join("\n"),
    );
  });

  it("create source bucket stores the keys in Secret bucket-<name> and prints the fetched revision", async () => {
    const r = await env.sluice(
      "create",
      "source",
      "bucket",
      "podinfo",
      ...flags(),
      "--access-key",
      s3.accessKey,
      "--secret-key",
      s3.secretKey,
    );
    expect(r.stderr).toContain("► applying secret with the bucket credentials\n✔ authentication configured\n");
    expect(r.stderr).toMatch(/✔ fetched revision: sha256:[0-9a-f]{64}\n/);
    expect(r.code).toBe(0);
    const secret = await env.cluster.client.get<UnstructuredObject & { data?: Record<string, string> }>({
      apiVersion: "v1",
      kind: "Secret",
      namespace: "flux-system",
      name: "bucket-podinfo",
    });
    expect(Buffer.from(secret.data?.["accesskey"] ?? "", "base64").toString()).toBe(s3.accessKey);
    const get = await env.sluice("get", "sources", "bucket");
    expect(get.stdout.split("\n")[0]).toMatch(/^NAME\s+REVISION\s+SUSPENDED\s+READY\s+MESSAGE/);
    expect(get.stdout.split("\n")[1]).toMatch(
      /^podinfo\s+sha256:[0-9a-f]{64}\s+False\s+True\s+stored artifact: revision/,
    );
  });

  it("reconcile, suspend and resume source bucket", async () => {
    await s3.putObject("podinfo", "deploy/cm2.yaml", "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: b\n");
    const rec = await env.sluice("reconcile", "source", "bucket", "podinfo");
    expect(rec.stderr).toContain("► annotating Bucket podinfo in flux-system namespace\n");
    expect(rec.stderr).toMatch(/✔ fetched revision sha256:[0-9a-f]{64}\n/);
    expect(rec.code).toBe(0);
    const s = await env.sluice("suspend", "source", "bucket", "podinfo");
    expect(s.stderr).toBe("► suspending source bucket podinfo in flux-system namespace\n✔ source bucket suspended\n");
    const g = await env.sluice("get", "sources", "bucket");
    expect(g.stdout.split("\n")[1]).toMatch(/^podinfo\s+\S+\s+True\s+/);
    const res = await env.sluice("resume", "source", "bucket", "podinfo");
    expect(res.stderr).toContain("✔ source bucket resumed\n");
    expect(res.code).toBe(0);
  });

  it("export source bucket prints clean YAML; delete source bucket removes it", async () => {
    const r = await env.sluice("export", "source", "bucket", "podinfo");
    expect(r.stdout).toMatch(
      /^---\napiVersion: source.toolkit.fluxcd.io\/v1\nkind: Bucket\nmetadata:\n {2}name: podinfo\n/,
    );
    expect(r.stdout).toContain("  secretRef:\n    name: bucket-podinfo\n");
    expect(r.stdout).not.toContain("status:");
    const withCreds = await env.sluice("export", "source", "bucket", "podinfo", "--with-credentials");
    expect(withCreds.stdout.startsWith(r.stdout)).toBe(true);
    expect(withCreds.stdout.slice(r.stdout.length)).toBe(
      [
        "---",
        "apiVersion: v1",
        "data:",
        `  accesskey: ${Buffer.from(s3.accessKey).toString("base64")}`,
        `  secretkey: ${Buffer.from(s3.secretKey).toString("base64")}`,
        "kind: Secret",
        "metadata:",
        "  name: bucket-podinfo",
        "  namespace: flux-system",
        "type: Opaque",
        "",
      ].join("\n"),
    );
    const d = await env.sluice("delete", "source", "bucket", "podinfo", "--silent");
    expect(d.stderr).toBe("► deleting source bucket podinfo in flux-system namespace\n✔ source bucket deleted\n");
    await expect
      .poll(
        () =>
          env.cluster.client.getOptional({
            apiVersion: "source.toolkit.fluxcd.io/v1",
            kind: "Bucket",
            namespace: "flux-system",
            name: "podinfo",
          }),
        { timeout: 60_000, interval: 200 },
      )
      .toBeUndefined();
  });

  it("refuses missing flags and unknown providers before touching the cluster", async () => {
    const noName = await env.sluice("create", "source", "bucket", "x", "--endpoint", "e");
    expect(noName.stderr.trim()).toBe("✗ bucket-name is required");
    const bad = await env.sluice("create", "source", "bucket", "x", ...flags(), "--provider", "ibm");
    expect(bad.stderr.trim()).toBe(
      `✗ invalid argument "ibm" for "--provider" flag: source bucket provider 'ibm' is not supported, must be one of: generic, aws, azure, gcp`,
    );
    expect(bad.code).toBe(1);
  });
});
