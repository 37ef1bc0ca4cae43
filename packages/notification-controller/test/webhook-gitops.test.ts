// The webhook loop with every part real: a `git push` to git http-backend, then a GitHub-signed call to the
// Receiver makes source-controller fetch the new commit at once (the GitRepository's interval is an hour)
// and kustomize-controller apply it to the embedded API server. Forged, replayed and oversized calls change
// nothing: the next commit waits until a genuine call.

import { createHmac } from "node:crypto";
import { createKustomizeController } from "@sluice/kustomize-controller";
import type { UnstructuredObject } from "@sluice/runtime";
import { createSourceController } from "@sluice/source-controller";
import {
  createFixtureRepo,
  type FixtureRepo,
  type GitHttpServer,
  startApiCluster,
  startGitHttpServer,
  tempDir,
} from "@sluice/testkit";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MAX_REQUEST_BODY_BYTES } from "../src/index.js";
import {
  createReceiver,
  createSecret,
  eventually,
  type NotificationEnv,
  startNotificationEnv,
  waitForReceiverReady,
} from "./support/env.js";

const NS = "notify-gitops";
const TOKEN = "gitops-webhook-token";
const configMap = (value: string) => `apiVersion: v1
kind: ConfigMap
metadata:
  name: greeting
  namespace: ${NS}
data:
  message: ${value}
`;

let env: NotificationEnv;
let repo: FixtureRepo;
let git: GitHttpServer;
let dir: { path: string; remove(): Promise<void> };
const abort = new AbortController();
const running: Array<Promise<void>> = [];

async function greeting(): Promise<string | undefined> {
  const cm = await env.client.getOptional<UnstructuredObject & { data?: Record<string, string> }>({
    apiVersion: "v1",
    kind: "ConfigMap",
    namespace: NS,
    name: "greeting",
  });
  return cm?.data?.["message"];
}

beforeAll(async () => {
  dir = await tempDir("nc-gitops-");
  repo = await createFixtureRepo(dir.path, "app");
  await repo.commit({ "deploy/cm.yaml": configMap("hello") }, "first");
  await repo.push();
  git = await startGitHttpServer({ root: dir.path });
  const cluster = await startApiCluster();
  env = await startNotificationEnv(NS, {}, ["source.toolkit.fluxcd.io_", "kustomize.toolkit.fluxcd.io_"], cluster);
  const silent = pino({ level: "silent" });
  const source = createSourceController({
    kubeConfig: cluster.kubeConfig,
    storagePath: `${dir.path}/storage`,
    storageAddr: "127.0.0.1:0",
    metricsAddr: "0",
    healthAddr: "0",
    rateLimit: false,
    eventsAddr: env.eventsUrl,
    logger: silent,
  });
  running.push(source.start(abort.signal).catch(() => undefined));
  await source.ready();
  const kustomize = createKustomizeController({
    kubeConfig: cluster.kubeConfig,
    metricsAddr: "0",
    healthAddr: "0",
    rateLimit: false,
    eventsAddr: env.eventsUrl,
    logger: silent,
  });
  running.push(kustomize.start(abort.signal).catch(() => undefined));
  await env.client.create({
    apiVersion: "source.toolkit.fluxcd.io/v1",
    kind: "GitRepository",
    metadata: { namespace: NS, name: "app" },
    spec: { url: git.url("app.git"), interval: "1h", ref: { branch: "master" } },
  } as UnstructuredObject);
  await env.client.create({
    apiVersion: "kustomize.toolkit.fluxcd.io/v1",
    kind: "Kustomization",
    metadata: { namespace: NS, name: "app" },
    spec: { interval: "1h", path: "./deploy", prune: true, sourceRef: { kind: "GitRepository", name: "app" } },
  } as UnstructuredObject);
  await createSecret(env.client, NS, "github-webhook", { token: TOKEN });
  await createReceiver(env.client, NS, "github", {
    type: "github",
    events: ["ping", "push"],
    secretRef: { name: "github-webhook" },
    resources: [{ kind: "GitRepository", name: "app" }],
  });
}, 180_000);

afterAll(async () => {
  abort.abort();
  await Promise.all(running);
  await env?.stop();
  await env?.cluster.stop();
  await git?.stop();
  await dir?.remove();
});

describe("push → signed GitHub webhook → applied", () => {
  it("applies the pushed commit without waiting for the interval", async () => {
    await eventually("the first commit applied", async () => (await greeting()) === "hello", 120_000);
    const receiver = await waitForReceiverReady(env, "github");
    const sha = await repo.commit({ "deploy/cm.yaml": configMap("world") }, "second");
    await repo.push();
    const body = JSON.stringify({ ref: "refs/heads/master", after: sha, repository: { full_name: "org/app" } });
    const res = await fetch(`${env.receiverUrl}${receiver.status?.webhookPath}`, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        "X-GitHub-Event": "push",
        "X-GitHub-Delivery": "d-1",
        "X-Hub-Signature-256": `sha256=${createHmac("sha256", TOKEN).update(body).digest("hex")}`,
      },
      body,
    });
    expect(res.status).toBe(200);
    await eventually("the second commit applied", async () => (await greeting()) === "world", 120_000);
    // The objects are applied before the Kustomization's final status write: wait for that write.
    const applied = async () =>
      (
        await env.client.get<UnstructuredObject & { status?: { lastAppliedRevision?: string } }>({
          apiVersion: "kustomize.toolkit.fluxcd.io/v1",
          kind: "Kustomization",
          namespace: NS,
          name: "app",
        })
      ).status?.lastAppliedRevision;
    await eventually(
      "the Kustomization reports the second commit",
      async () => (await applied()) === `master@sha1:${sha}`,
      60_000,
    );
  });

  it("forged, replayed and oversized calls are refused and request no reconcile", async () => {
    const receiver = await waitForReceiverReady(env, "github");
    const url = `${env.receiverUrl}${receiver.status?.webhookPath}`;
    const gitRepo = { apiVersion: "source.toolkit.fluxcd.io/v1", kind: "GitRepository", namespace: NS, name: "app" };
    const requestedAt = async () =>
      (await env.client.get(gitRepo)).metadata.annotations?.["reconcile.fluxcd.io/requestedAt"];
    const sign = (body: string | Buffer, key = TOKEN) =>
      `sha256=${createHmac("sha256", key).update(body).digest("hex")}`;
    const send = async (body: string | Buffer, signature: string) => {
      const res = await fetch(url, {
        method: "POST",
        headers: { "content-type": "application/json", "X-GitHub-Event": "push", "X-Hub-Signature-256": signature },
        body,
      });
      await res.body?.cancel();
      return res.status;
    };
    const sha = await repo.commit({ "deploy/cm.yaml": configMap("third") }, "third");
    await repo.push();
    const before = await requestedAt();
    const body = JSON.stringify({ ref: "refs/heads/master", after: sha });
    expect(await send(body, sign(body, "not-the-token"))).toBe(400);
    expect(await send(body.replace("master", "main"), sign(body))).toBe(400);
    const big = Buffer.alloc(MAX_REQUEST_BODY_BYTES + 1, 0x20);
    expect(await send(big, sign(big))).toBe(413);
    expect(await requestedAt()).toBe(before);
    // The genuine call goes through once; the same delivery sent again is a replay.
    expect(await send(body, sign(body))).toBe(200);
    const after = await requestedAt();
    expect(after).not.toBe(before);
    expect(await send(body, sign(body))).toBe(400);
    expect(await requestedAt()).toBe(after);
    await eventually("the third commit applied", async () => (await greeting()) === "third", 120_000);
  });
});
