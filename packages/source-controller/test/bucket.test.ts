// The Bucket controller end to end: the embedded API server with the chart's CRDs, the source-controller
// started with createSourceController, and a real S3-compatible server (npm's s3rver) holding the objects,
// over HTTP, over HTTPS with a test CA, and through a forward proxy.

import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import { type AddressInfo, createServer, type Socket } from "node:net";
import { join } from "node:path";
import type { Bucket, HelmChart } from "@sluice/api";
import {
  createTestPki,
  type HttpProxy,
  type S3Server,
  sha256Digest,
  startHttpProxy,
  startS3Server,
  tempDir,
} from "@sluice/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type ControllerEnv,
  createSecret,
  downloadArtifact,
  startControllerEnv,
  tarEntries,
} from "./support/controller-env.js";
import { conditionOf, failedWith, readyNow, sourceKind, sourceObjects } from "./support/source-objects.js";

const NS = "bucket-test";

let root: { path: string; remove: () => Promise<void> };
let env: ControllerEnv;
let s3: S3Server;
let s3tls: S3Server;
let proxy: HttpProxy;
const pki = createTestPki();

beforeAll(async () => {
  root = await tempDir("sc-bucket-int-");
  s3 = await startS3Server({ buckets: ["manifests", "moving", "guarded"] });
  s3tls = await startS3Server({
    buckets: ["secure"],
    tls: { key: pki.serverKey, cert: pki.serverCert, ca: pki.caCert },
  });
  proxy = await startHttpProxy();
  env = await startControllerEnv(root.path, NS);
}, 120_000);

afterAll(async () => {
  await env?.stop();
  await s3?.stop();
  await s3tls?.stop();
  await proxy?.stop();
  await root?.remove();
});

const objects = sourceObjects(() => env);
const buckets = sourceKind<Bucket>(
  () => env,
  "Bucket",
  () => ({ endpoint: s3.endpoint, insecure: true }),
);
const { ref, waitFor, requestReconcile, create: createBucket } = buckets;

/** Flux's revision: sha256 over the sorted `<key> <etag>\n` lines. */
function revisionOf(index: Record<string, string>): string {
  const keys = Object.keys(index).sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
  const text = keys.map((k) => `${k} ${index[k]}\n`).join("");
  return `sha256:${createHash("sha256").update(text).digest("hex")}`;
}

describe("Bucket", () => {
  it("stores the objects under the prefix that the ignore rules keep, with revision sha256:<index digest>", async () => {
    const etags: Record<string, string> = {};
    etags["apps/deploy/app.yaml"] = await s3.putObject("manifests", "apps/deploy/app.yaml", "kind: ConfigMap\n");
    etags["apps/notes.txt"] = await s3.putObject("manifests", "apps/notes.txt", "ignored by spec.ignore\n");
    etags["apps/secret.enc"] = await s3.putObject("manifests", "apps/secret.enc", "ignored by .sourceignore\n");
    etags["apps/logo.png"] = await s3.putObject("manifests", "apps/logo.png", "no default exclusions\n");
    await s3.putObject("manifests", "other/outside.yaml", "not under the prefix\n");
    await s3.putObject("manifests", ".sourceignore", "*.enc\n");

    await createBucket("prefixed", { bucketName: "manifests", prefix: "apps/", ignore: "*.txt" });
    const obj = await waitFor("prefixed", readyNow, "Ready");
    const kept = { "apps/deploy/app.yaml": etags["apps/deploy/app.yaml"], "apps/logo.png": etags["apps/logo.png"] };
    const revision = revisionOf(kept as Record<string, string>);
    const artifact = obj.status?.artifact;
    expect(artifact?.revision).toBe(revision);
    expect(artifact?.path).toBe(`bucket/${NS}/prefixed/${revision.slice(7)}.tar.gz`);
    expect(conditionOf(obj, "Ready")?.message).toBe(`stored artifact: revision '${revision}'`);
    expect(conditionOf(obj, "ArtifactInStorage")?.reason).toBe("Succeeded");
    expect(obj.status?.observedIgnore).toBe("*.txt");
    expect(obj.status?.url).toMatch(/\/bucket\/bucket-test\/prefixed\/latest\.tar\.gz$/);
    const data = await downloadArtifact(artifact?.url ?? "");
    expect(sha256Digest(data)).toBe(artifact?.digest);
    // The downloaded .sourceignore is part of the tree Flux archives.
    expect(await tarEntries(data, root.path)).toEqual([
      ".sourceignore",
      "apps/",
      "apps/deploy/",
      "apps/deploy/app.yaml",
      "apps/logo.png",
    ]);
    const event = await waitForEvent("prefixed", "NewArtifact");
    expect(event?.message).toBe("stored artifact with 2 fetched files from 'manifests' bucket");
    expect(event?.metadata?.["source.toolkit.fluxcd.io/revision"]).toBe(revision);
  });

  it("lists only while the index is unchanged, and stores a new revision when an object changes", async () => {
    await s3.putObject("moving", "app.yaml", "v: 1\n");
    await createBucket("moving", { bucketName: "moving" });
    const before = await waitFor("moving", readyNow, "Ready");

    const seen = s3.requests.length;
    const at = await requestReconcile("moving");
    const after = await waitFor("moving", (o) => o.status?.lastHandledReconcileAt === at && readyNow(o), "handled");
    expect(after.status?.artifact).toEqual(before.status?.artifact);
    const gets = s3.requests
      .slice(seen)
      .filter((r) => r.method === "GET" && r.path.startsWith("/moving/") && !r.path.startsWith("/moving/?"));
    // Only the .sourceignore probe: no object download.
    expect(gets.map((r) => r.path)).toEqual(["/moving/.sourceignore"]);

    const etag = await s3.putObject("moving", "app.yaml", "v: 2\n");
    await s3.putObject("moving", "added.yaml", "new: true\n");
    const added = (await waitForRequest("PUT", "/moving/added.yaml")) && etag;
    await requestReconcile("moving");
    const moved = await waitFor(
      "moving",
      (o) => readyNow(o) && o.status?.artifact?.revision !== before.status?.artifact?.revision,
      "new revision",
    );
    expect(added).toBeTruthy();
    const data = await downloadArtifact(moved.status?.artifact?.url ?? "");
    expect(await tarEntries(data, root.path)).toEqual(["added.yaml", "app.yaml"]);
  });

  it("signs requests with the secretRef keys and says which secret data is missing", async () => {
    await s3.putObject("guarded", "a.yaml", "a: 1\n");
    await createSecret(env, "s3-keys", { accesskey: s3.accessKey, secretkey: s3.secretKey });
    await createBucket("signed", { bucketName: "guarded", secretRef: { name: "s3-keys" } });
    await waitFor("signed", readyNow, "Ready");

    await createSecret(env, "s3-unknown", { accesskey: "NOBODY", secretkey: "x" });
    await createBucket("unknown-key", { bucketName: "guarded", secretRef: { name: "s3-unknown" } });
    const refused = await waitFor("unknown-key", failedWith("BucketOperationFailed"), "BucketOperationFailed");
    expect(conditionOf(refused, "FetchFailed")?.message).toMatch(
      /^failed to confirm existence of 'guarded' bucket: .*Access Key/,
    );
    expect(conditionOf(refused, "FetchFailed")?.message).not.toContain(s3.secretKey);

    await createSecret(env, "s3-half", { accesskey: "S3RVER" });
    await createBucket("half", { bucketName: "guarded", secretRef: { name: "s3-half" } });
    const half = await waitFor("half", failedWith("AuthenticationFailed"), "AuthenticationFailed");
    expect(conditionOf(half, "Ready")?.message).toBe(
      "invalid 's3-half' secret data: required fields 'accesskey' and 'secretkey'",
    );

    await createBucket("no-secret", { bucketName: "guarded", secretRef: { name: "absent" } });
    const absent = await waitFor("no-secret", failedWith("AuthenticationFailed"), "AuthenticationFailed");
    expect(conditionOf(absent, "Ready")?.message).toMatch(/^failed to get secret 'bucket-test\/absent': /);
  });

  it("fails with BucketOperationFailed for a missing bucket", async () => {
    await createBucket("missing", { bucketName: "nope" });
    const obj = await waitFor("missing", failedWith("BucketOperationFailed"), "BucketOperationFailed");
    expect(conditionOf(obj, "Ready")?.message).toBe("bucket 'nope' not found");
    expect(conditionOf(obj, "FetchFailed")?.status).toBe("True");
  });

  it("gives up on an endpoint that never answers after spec.timeout", async () => {
    // A TCP server that accepts and never answers: only the deadline ends the request.
    const sockets = new Set<Socket>();
    const silent = createServer((socket) => sockets.add(socket));
    await new Promise<void>((r) => silent.listen(0, "127.0.0.1", r));
    try {
      const port = (silent.address() as AddressInfo).port;
      await createBucket("silent", { bucketName: "manifests", endpoint: `127.0.0.1:${port}`, timeout: "1s" });
      const obj = await waitFor("silent", failedWith("BucketOperationFailed"), "BucketOperationFailed");
      expect(conditionOf(obj, "Ready")?.message).toBe(
        "failed to confirm existence of 'manifests' bucket: context deadline exceeded",
      );
      await env.cluster.client.delete(ref("silent"));
    } finally {
      for (const socket of sockets) socket.destroy();
      await new Promise((r) => silent.close(r));
    }
  });

  it("stalls on the gcp and azure providers, aws without secretRef, and sts, naming what is unsupported", async () => {
    for (const provider of ["gcp", "azure"]) {
      await createBucket(`provider-${provider}`, { bucketName: "manifests", provider });
      const obj = await waitFor(`provider-${provider}`, (o) => conditionOf(o, "Stalled")?.status === "True", "Stalled");
      expect(conditionOf(obj, "Stalled")?.reason).toBe("InvalidProviderConfiguration");
      expect(conditionOf(obj, "Ready")?.message).toBe(
        `Bucket provider '${provider}' is not supported by this source-controller: use 'generic' with an S3-compatible endpoint (or 'aws' with spec.secretRef)`,
      );
    }
    await createBucket("provider-aws", { bucketName: "manifests", provider: "aws" });
    const aws = await waitFor("provider-aws", (o) => conditionOf(o, "Stalled")?.status === "True", "Stalled");
    expect(conditionOf(aws, "Ready")?.message).toContain("Bucket provider 'aws' without spec.secretRef");

    await createBucket("sts", { bucketName: "manifests", sts: { provider: "ldap", endpoint: "https://sts.example" } });
    const sts = await waitFor("sts", (o) => conditionOf(o, "Stalled")?.status === "True", "Stalled");
    expect(conditionOf(sts, "Stalled")?.reason).toBe("InvalidSTSConfiguration");
  });

  it("serves aws with static keys through the same S3 client", async () => {
    await createBucket("aws-keys", {
      bucketName: "guarded",
      provider: "aws",
      region: "us-east-1",
      secretRef: { name: "s3-keys" },
    });
    await waitFor("aws-keys", readyNow, "Ready");
  });

  it("trusts the certSecretRef CA over HTTPS and goes through the proxySecretRef proxy", async () => {
    await s3tls.putObject("secure", "tls.yaml", "tls: true\n");
    await createBucket("untrusted", { bucketName: "secure", endpoint: s3tls.endpoint, insecure: false });
    const untrusted = await waitFor("untrusted", failedWith("BucketOperationFailed"), "BucketOperationFailed", 15_000);
    expect(conditionOf(untrusted, "Ready")?.message).toMatch(/certificate/);

    await createSecret(env, "s3-ca", { "ca.crt": pki.caCert });
    await createSecret(env, "s3-proxy", { address: proxy.url });
    await createBucket("trusted", {
      bucketName: "secure",
      endpoint: s3tls.endpoint,
      insecure: false,
      certSecretRef: { name: "s3-ca" },
      proxySecretRef: { name: "s3-proxy" },
    });
    const obj = await waitFor("trusted", readyNow, "Ready", 15_000);
    const data = await downloadArtifact(obj.status?.artifact?.url ?? "");
    expect(await tarEntries(data, root.path)).toEqual(["tls.yaml"]);
    expect(proxy.requests.some((r) => r.method === "CONNECT" && r.target === s3tls.endpoint)).toBe(true);
  });

  it("feeds a HelmChart: Revision strategy <version>+<12 of the digest>, rebuilt at once on a new bucket revision", async () => {
    await s3.putObject(
      "manifests",
      "charts/hello/Chart.yaml",
      "apiVersion: v2\nname: hello\nversion: 0.1.0\ntype: application\n",
    );
    await s3.putObject(
      "manifests",
      "charts/hello/templates/cm.yaml",
      "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: hello\n",
    );
    await createBucket("charts", { bucketName: "manifests", prefix: "charts/" });
    const bucket = await waitFor("charts", readyNow, "Ready");
    const digest = (r: string | undefined) => (r ?? "").slice("sha256:".length, "sha256:".length + 12);
    await objects.create("HelmChart", "hello", {
      chart: "charts/hello",
      reconcileStrategy: "Revision",
      sourceRef: { kind: "Bucket", name: "charts" },
    });
    const first = await objects.waitFor<HelmChart>("HelmChart", "hello", readyNow, "HelmChart Ready");
    expect(first.status?.artifact?.revision).toBe(`0.1.0+${digest(bucket.status?.artifact?.revision)}`);

    await s3.putObject("manifests", "charts/hello/values.yaml", "replicas: 2\n");
    await requestReconcile("charts");
    const moved = await waitFor(
      "charts",
      (o) => readyNow(o) && o.status?.artifact?.revision !== bucket.status?.artifact?.revision,
      "new revision",
    );
    const second = await objects.waitFor<HelmChart>(
      "HelmChart",
      "hello",
      (o) => o.status?.artifact?.revision === `0.1.0+${digest(moved.status?.artifact?.revision)}`,
      "HelmChart rebuilt from the new bucket revision",
    );
    expect(second.status?.observedSourceArtifactRevision).toBe(moved.status?.artifact?.revision);
  });

  it("removes the stored artifacts when the Bucket is deleted", async () => {
    await s3.putObject("manifests", "gone.yaml", "x: 1\n");
    await createBucket("deleted", { bucketName: "manifests", prefix: "gone" });
    const obj = await waitFor("deleted", readyNow, "Ready");
    const dir = join(env.storagePath, "bucket", NS, "deleted");
    expect(existsSync(join(env.storagePath, obj.status?.artifact?.path ?? "missing"))).toBe(true);
    await env.cluster.client.delete(ref("deleted"));
    const deadline = Date.now() + 30_000;
    while (existsSync(dir) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    expect(existsSync(dir)).toBe(false);
  });
});

async function waitForEvent(name: string, reason: string) {
  const deadline = Date.now() + 30_000;
  const find = () => env.sink.events.find((e) => e.reason === reason && e.involvedObject.name === name);
  while (!find() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  return find();
}

async function waitForRequest(method: string, path: string) {
  const deadline = Date.now() + 10_000;
  const find = () => s3.requests.find((r) => r.method === method && r.path === path);
  while (!find() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  return find();
}
