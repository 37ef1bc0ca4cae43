// Receivers end to end against the embedded API server: the reconciler publishes the webhook path; signed
// calls annotate the resources; forged, replayed, oversized, unknown and suspended calls are refused.

import { createHmac, createSign, generateKeyPairSync } from "node:crypto";
import type { Receiver } from "@sluice/api";
import { receiverWebhookPath } from "@sluice/api";
import { PatchType, type UnstructuredObject } from "@sluice/runtime";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MAX_REQUEST_BODY_BYTES } from "../src/index.js";
import {
  createReceiver,
  createSecret,
  eventually,
  NOTIFICATION_API,
  type NotificationEnv,
  startNotificationEnv,
  waitForReceiverReady,
} from "./support/env.js";
import { type StandIn, startStandIn } from "./support/stand-in.js";

const NS = "notify-receivers";
const TOKEN = "webhook-secret-token";
let env: NotificationEnv;
// Google's ID token keys (https://www.googleapis.com/oauth2/v3/certs) stand in here.
let googleCerts: StandIn;
const googleKey = generateKeyPairSync("rsa", { modulusLength: 2048 });
const otherKey = generateKeyPairSync("rsa", { modulusLength: 2048 });

async function createGitRepository(name: string, labels: Record<string, string> = {}) {
  await env.client.create({
    apiVersion: "source.toolkit.fluxcd.io/v1",
    kind: "GitRepository",
    metadata: { namespace: NS, name, labels },
    spec: { url: "https://example.com/repo.git", interval: "1h" },
  } as UnstructuredObject);
}

async function requestedAt(name: string): Promise<string | undefined> {
  const obj = await env.client.get({
    apiVersion: "source.toolkit.fluxcd.io/v1",
    kind: "GitRepository",
    namespace: NS,
    name,
  });
  return obj.metadata.annotations?.["reconcile.fluxcd.io/requestedAt"];
}

async function call(path: string, body: string | Buffer, headers: Record<string, string> = {}): Promise<number> {
  const res = await fetch(`${env.receiverUrl}${path}`, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body,
  });
  await res.body?.cancel();
  return res.status;
}

function github(body: string, event = "push", key = TOKEN): Record<string, string> {
  return {
    "X-GitHub-Event": event,
    "X-GitHub-Delivery": `${Math.random()}`,
    "X-Hub-Signature-256": `sha256=${createHmac("sha256", key).update(body).digest("hex")}`,
  };
}

beforeAll(async () => {
  googleCerts = await startStandIn();
  const jwk = googleKey.publicKey.export({ format: "jwk" });
  googleCerts.respond({
    status: 200,
    body: JSON.stringify({ keys: [{ ...jwk, kid: "k1", alg: "RS256", use: "sig" }] }),
  });
  env = await startNotificationEnv(NS, { googleCertsUrl: `${googleCerts.url}/oauth2/v3/certs` }, [
    "source.toolkit.fluxcd.io_",
  ]);
  await createSecret(env.client, NS, "webhook-token", { token: TOKEN });
  await createGitRepository("app");
  await createGitRepository("lib-a", { team: "lib" });
  await createGitRepository("lib-b", { team: "lib" });
  await createGitRepository("other", { team: "x" });
}, 120_000);

afterAll(async () => {
  await env?.stop();
  await googleCerts?.stop();
});

describe("Receiver reconciler", () => {
  it("publishes /hook/sha256(token+name+namespace) and is Ready", async () => {
    await createReceiver(env.client, NS, "gh", {
      type: "github",
      events: ["ping", "push"],
      secretRef: { name: "webhook-token" },
      resources: [{ kind: "GitRepository", name: "app" }],
    });
    const r = await waitForReceiverReady(env, "gh");
    const path = receiverWebhookPath(TOKEN, "gh", NS);
    expect(r.status?.webhookPath).toBe(path);
    expect(r.status?.conditions?.find((c) => c.type === "Ready")).toMatchObject({
      reason: "Succeeded",
      message: `Receiver initialized for path: ${path}`,
    });
    expect(r.metadata.finalizers).toContain("finalizers.fluxcd.io");
  });

  it("says TokenNotFound when the secret is missing, and stalls on an invalid CEL filter", async () => {
    await createReceiver(env.client, NS, "no-secret", {
      type: "generic",
      secretRef: { name: "absent" },
      resources: [{ kind: "GitRepository", name: "app" }],
    });
    await createReceiver(env.client, NS, "bad-cel", {
      type: "generic",
      secretRef: { name: "webhook-token" },
      resourceFilter: "res.metadata.name ==",
      resources: [{ kind: "GitRepository", name: "app" }],
    });
    const get = (name: string) =>
      env.client.get<Receiver>({ apiVersion: `${NOTIFICATION_API}/v1`, kind: "Receiver", namespace: NS, name });
    const missing = await eventually("TokenNotFound", async () => {
      const r = await get("no-secret");
      return r.status?.conditions?.find((c) => c.type === "Ready" && c.reason === "TokenNotFound");
    });
    expect(missing.message).toContain(`unable to read token from secret '${NS}/absent'`);
    const stalled = await eventually("Stalled", async () => {
      const r = await get("bad-cel");
      return r.status?.conditions?.find((c) => c.type === "Stalled" && c.status === "True");
    });
    expect(stalled.reason).toBe("InvalidCELExpression");
    expect(stalled.message).toMatch(
      /^Reconciliation failed terminally due to configuration error: invalid resourceFilter expression: /,
    );
  });
});

describe("webhook receiver", () => {
  it("a GitHub-signed push annotates the GitRepository with requestedAt", async () => {
    const path = receiverWebhookPath(TOKEN, "gh", NS);
    const before = await requestedAt("app");
    const body = JSON.stringify({ ref: "refs/heads/main", after: "a".repeat(40) });
    expect(await call(path, body, github(body))).toBe(200);
    const after = await requestedAt("app");
    expect(after).toBeDefined();
    expect(after).not.toBe(before);
  });

  it("refuses forged signatures, unauthorised events and replays with 400", async () => {
    const path = receiverWebhookPath(TOKEN, "gh", NS);
    const body = JSON.stringify({ ref: "refs/heads/main", after: "b".repeat(40) });
    expect(await call(path, body, github(body, "push", "wrong-key"))).toBe(400);
    expect(await call(path, body, { "X-GitHub-Event": "push" })).toBe(400);
    const tampered = github(body);
    expect(await call(path, body.replace("b", "c"), tampered)).toBe(400);
    expect(await call(path, body, github(body, "issues"))).toBe(400);
    const signed = github(body);
    expect(await call(path, body, signed)).toBe(200);
    expect(await call(path, body, signed)).toBe(400);
    expect(env.logs.join("")).toContain("the signed request was already received (replay)");
    expect(env.logs.join("")).not.toContain(TOKEN);
  });

  it("answers 404 for unknown paths, 413 for oversized bodies, 503 while suspended", async () => {
    expect(await call(`/hook/${"0".repeat(64)}`, "{}")).toBe(404);
    expect(await call("/other", "{}")).toBe(404);
    const path = receiverWebhookPath(TOKEN, "gh", NS);
    expect(await call(path, Buffer.alloc(MAX_REQUEST_BODY_BYTES + 1, 0x61))).toBe(413);
    await env.client.patch(
      { apiVersion: `${NOTIFICATION_API}/v1`, kind: "Receiver", namespace: NS, name: "gh" },
      { spec: { suspend: true } },
      { type: PatchType.Merge },
    );
    await eventually(
      "suspended in cache",
      async () => env.controller.receivers.informer.get({ namespace: NS, name: "gh" })?.spec.suspend === true,
    );
    const body = "{}";
    expect(await call(path, body, github(body, "ping"))).toBe(503);
    await env.client.patch(
      { apiVersion: `${NOTIFICATION_API}/v1`, kind: "Receiver", namespace: NS, name: "gh" },
      { spec: { suspend: false } },
      { type: PatchType.Merge },
    );
  });

  it("gitlab: X-Gitlab-Token; wildcard with matchLabels and a CEL filter over the body", async () => {
    await createReceiver(env.client, NS, "gl", {
      type: "gitlab",
      secretRef: { name: "webhook-token" },
      resources: [
        { kind: "GitRepository", name: "*", matchLabels: { team: "lib" }, filter: "res.metadata.name == req.project" },
      ],
    });
    await waitForReceiverReady(env, "gl");
    const path = receiverWebhookPath(TOKEN, "gl", NS);
    const body = JSON.stringify({ project: "lib-b" });
    expect(await call(path, body, { "X-Gitlab-Token": "nope", "X-Gitlab-Event": "Push Hook" })).toBe(400);
    expect(await requestedAt("lib-b")).toBeUndefined();
    expect(await call(path, body, { "X-Gitlab-Token": TOKEN, "X-Gitlab-Event": "Push Hook" })).toBe(200);
    expect(await requestedAt("lib-b")).toBeDefined();
    expect(await requestedAt("lib-a")).toBeUndefined();
    expect(await requestedAt("other")).toBeUndefined();
  });

  it("generic-hmac: X-Signature over the body; a malformed body never crashes the server", async () => {
    await createReceiver(env.client, NS, "hmac", {
      type: "generic-hmac",
      secretRef: { name: "webhook-token" },
      resources: [{ kind: "GitRepository", name: "other" }],
    });
    await waitForReceiverReady(env, "hmac");
    const path = receiverWebhookPath(TOKEN, "hmac", NS);
    const body = "not json at all";
    expect(await call(path, body, { "X-Signature": "sha512=00" })).toBe(400);
    expect(
      await call(path, body, { "X-Signature": `sha1=${createHmac("sha1", TOKEN).update(body).digest("hex")}` }),
    ).toBe(200);
    expect(await requestedAt("other")).toBeDefined();
    expect(await call(`/hook/${"f".repeat(64)}`, Buffer.from([0xff, 0xfe, 0x00]))).toBe(404);
  });
});

describe("every other receiver type", () => {
  const hmac = (alg: string, body: string) => createHmac(alg, TOKEN).update(body).digest("hex");
  const cdevent = JSON.stringify({
    context: {
      version: "0.4.1",
      id: "271069a8-fc18-44f1-b38f-9d70a1695819",
      source: "/event/source/123",
      type: "dev.cdevents.change.merged.0.2.0",
      timestamp: "2026-12-07T10:00:00Z",
    },
    subject: { id: "mySubject123", source: "/event/source/123", type: "change", content: { repository: {} } },
  });
  // [type, events, the accepted call, a refused call (generic has none: the path is its secret)]
  type Call = { body: string; headers: Record<string, string> };
  const cases: Array<[string, string[] | undefined, Call, Call | null]> = [
    ["generic", undefined, { body: "anything", headers: {} }, null],
    [
      "github",
      ["ping", "push"],
      { body: '{"zen":"hi"}', headers: { ...github('{"zen":"hi"}', "ping") } },
      { body: '{"zen":"hi"}', headers: { ...github('{"zen":"hi"}', "issues") } },
    ],
    [
      "bitbucket",
      ["repo:refs_changed"],
      {
        body: '{"eventKey":"repo:refs_changed"}',
        headers: {
          "X-Event-Key": "repo:refs_changed",
          "X-Hub-Signature": `sha256=${hmac("sha256", '{"eventKey":"repo:refs_changed"}')}`,
        },
      },
      {
        body: '{"eventKey":"repo:refs_changed"}',
        headers: { "X-Event-Key": "repo:refs_changed", "X-Hub-Signature": `sha256=${hmac("sha256", "{}")}` },
      },
    ],
    [
      "harbor",
      undefined,
      { body: '{"type":"PUSH_ARTIFACT"}', headers: { Authorization: TOKEN } },
      { body: '{"type":"PUSH_ARTIFACT"}', headers: { Authorization: `${TOKEN}x` } },
    ],
    [
      "dockerhub",
      undefined,
      { body: '{"push_data":{"tag":"v1"},"repository":{"repo_url":"https://hub.docker.com/r/org/app"}}', headers: {} },
      { body: "push_data=v1", headers: {} },
    ],
    [
      "quay",
      undefined,
      { body: '{"docker_url":"quay.io/org/app","updated_tags":["v1"]}', headers: {} },
      { body: "<xml/>", headers: {} },
    ],
    [
      "nexus",
      undefined,
      {
        body: '{"action":"CREATED","repositoryName":"docker-hosted"}',
        headers: {
          "X-Nexus-Webhook-Signature": hmac("sha1", '{"action":"CREATED","repositoryName":"docker-hosted"}'),
        },
      },
      { body: '{"action":"CREATED","repositoryName":"docker-hosted"}', headers: {} },
    ],
    [
      "acr",
      undefined,
      { body: '{"action":"push","target":{"repository":"app","tag":"v1"}}', headers: {} },
      { body: "not json", headers: {} },
    ],
    [
      "cdevents",
      ["dev.cdevents.change.merged.0.2.0"],
      { body: cdevent, headers: { "Ce-Type": "dev.cdevents.change.merged.0.2.0" } },
      { body: cdevent, headers: { "Ce-Type": "dev.cdevents.change.abandoned.0.2.0" } },
    ],
  ];

  it.each(cases)(
    "%s: the documented call annotates its resource, a wrong one is refused with 400",
    async (type, events, ok, bad) => {
      const target = `t-${type}`;
      await createGitRepository(target);
      await createReceiver(env.client, NS, `r-${type}`, {
        type,
        ...(events ? { events } : {}),
        secretRef: { name: "webhook-token" },
        resources: [{ kind: "GitRepository", name: target }],
      });
      await waitForReceiverReady(env, `r-${type}`);
      const path = receiverWebhookPath(TOKEN, `r-${type}`, NS);
      if (bad) expect(await call(path, bad.body, bad.headers)).toBe(400);
      expect(await requestedAt(target)).toBeUndefined();
      expect(await call(path, ok.body, ok.headers)).toBe(200);
      expect(await requestedAt(target)).toBeDefined();
    },
  );
});

describe("gcr receiver", () => {
  const EMAIL = "pubsub-push@project.iam.gserviceaccount.com";
  const AUDIENCE = "https://flux.example.com/hook";
  const idToken = (claims: Record<string, unknown> = {}, key = googleKey.privateKey) => {
    const part = (o: unknown) => Buffer.from(JSON.stringify(o)).toString("base64url");
    const now = Math.floor(Date.now() / 1000);
    const signed = `${part({ alg: "RS256", kid: "k1", typ: "JWT" })}.${part({
      iss: "https://accounts.google.com",
      aud: AUDIENCE,
      email: EMAIL,
      email_verified: true,
      iat: now,
      exp: now + 3600,
      ...claims,
    })}`;
    return `${signed}.${createSign("RSA-SHA256").update(signed).sign(key).toString("base64url")}`;
  };
  const pubsub = (data: Record<string, string>) =>
    JSON.stringify({
      message: {
        data: Buffer.from(JSON.stringify(data)).toString("base64"),
        messageId: "1",
        publishTime: "2026-12-07T10:00:00Z",
      },
      subscription: "projects/p/subscriptions/s",
    });

  it("a Google-signed ID token for the secret's email and audience annotates; the filter sees the decoded data", async () => {
    await createSecret(env.client, NS, "gcr-token", { token: TOKEN, email: EMAIL, audience: AUDIENCE });
    await createGitRepository("t-gcr");
    await createReceiver(env.client, NS, "r-gcr", {
      type: "gcr",
      secretRef: { name: "gcr-token" },
      resources: [{ kind: "GitRepository", name: "t-gcr" }],
      resourceFilter: 'req.tag == "v1.2.3" && req.action == "INSERT"',
    });
    await waitForReceiverReady(env, "r-gcr");
    const path = receiverWebhookPath(TOKEN, "r-gcr", NS);
    const body = pubsub({ action: "INSERT", digest: "gcr.io/p/app@sha256:abc", tag: "v1.2.3" });
    const bearer = (t: string) => ({ Authorization: `Bearer ${t}` });
    for (const refused of [
      {},
      { Authorization: idToken() },
      bearer(idToken({}, otherKey.privateKey)),
      bearer(idToken({ aud: "https://elsewhere.example.com" })),
      bearer(idToken({ email: "someone@example.com" })),
      bearer(idToken({ email_verified: false })),
      bearer(idToken({ iss: "https://issuer.example.com" })),
      bearer(idToken({ exp: Math.floor(Date.now() / 1000) - 60 })),
    ]) {
      expect(await call(path, body, refused)).toBe(400);
    }
    expect(await requestedAt("t-gcr")).toBeUndefined();
    expect(await call(path, pubsub({ action: "DELETE", tag: "v1.2.3" }), bearer(idToken()))).toBe(200);
    expect(await requestedAt("t-gcr")).toBeUndefined();
    expect(await call(path, body, bearer(idToken()))).toBe(200);
    expect(await requestedAt("t-gcr")).toBeDefined();
    expect(env.logs.join("")).toContain("is 'someone@example.com', want 'pubsub-push@project.iam.gserviceaccount.com'");
  });
});
