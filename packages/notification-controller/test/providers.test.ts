// Each provider against a local stand-in for its service: the exact request the service documents
// (method, path, headers, JSON body) for a Flux event.

import { createHmac } from "node:crypto";
import { createTestPki, startHttpProxy } from "@sluice/testkit";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { closeDispatchers, createNotifier, NotifierError, type NotifierOptions } from "../src/index.js";
import { dispatchedEvent } from "./support/sample-event.js";
import { type StandIn, startStandIn } from "./support/stand-in.js";

let svc: StandIn;
const SHA = "0123456789abcdef0123456789abcdef01234567";
const signal = () => AbortSignal.timeout(30_000);

beforeAll(async () => {
  svc = await startStandIn();
});
afterEach(() => {
  svc.calls.length = 0;
});
afterAll(async () => {
  await closeDispatchers();
  await svc.stop();
});

/**
 * An HTTPS stand-in for an internet host (its certificate from a test CA), reached through a local proxy that
 * routes the host's CONNECT tunnel to it; `via` is the provider's proxy and certSecretRef CA.
 */
async function withInternetHost(
  host: string,
  body: (svc: StandIn, via: Pick<NotifierOptions, "proxyUrl" | "tls">) => Promise<void>,
): Promise<void> {
  const pki = createTestPki({ dnsNames: [host] });
  const stand = await startStandIn({ key: pki.serverKey, cert: pki.serverCert });
  const port = Number(new URL(stand.url).port);
  const proxy = await startHttpProxy({
    route: (h, p) => (h === host && p === 443 ? { host: "127.0.0.1", port } : undefined),
  });
  try {
    await body(stand, { proxyUrl: proxy.url, tls: { ca: pki.caCert } });
    expect(proxy.requests).toContainEqual({ method: "CONNECT", target: `${host}:443`, status: 200 });
  } finally {
    await proxy.stop();
    await stand.stop();
  }
}

async function send(type: string, options: Partial<NotifierOptions>, event = dispatchedEvent()) {
  const notifier = createNotifier(type, { url: `${svc.url}/hook`, ...options });
  await notifier.post(event, signal());
  return svc.calls;
}

describe("chat providers", () => {
  it("slack: attachment with colour, author, message and sorted metadata fields; bearer token when set", async () => {
    const [call] = await send("slack", { channel: "#ops", token: "xoxb-secret-token" });
    expect(call?.method).toBe("POST");
    expect(call?.path).toBe("/hook");
    expect(call?.headers["content-type"]).toBe("application/json");
    expect(call?.headers.authorization).toBe("Bearer xoxb-secret-token");
    expect(call?.json).toEqual({
      channel: "#ops",
      username: "kustomize-controller",
      icon_url: "",
      icon_emoji: "",
      attachments: [
        {
          fallback: "kustomization/apps.flux-system: Deployment/default/web configured",
          color: "good",
          author_name: "kustomization/apps.flux-system",
          text: "Deployment/default/web configured",
          mrkdwn_in: ["text"],
          fields: [
            { title: "revision", value: `main@sha1:${SHA}`, short: false },
            { title: "summary", value: "prod", short: false },
          ],
        },
      ],
    });
  });

  it("slack: errors are danger, username from the Provider", async () => {
    const [call] = await send("slack", { username: "flux" }, dispatchedEvent({ severity: "error", metadata: {} }));
    expect(call?.headers.authorization).toBeUndefined();
    expect(call?.json).toMatchObject({ username: "flux", channel: "", attachments: [{ color: "danger", fields: [] }] });
  });

  it("slack chat.postMessage: bearer token to slack.com through spec.proxy with the certSecretRef CA; ok:false fails", async () => {
    await withInternetHost("slack.com", async (slack, via) => {
      const notifier = createNotifier("slack", {
        url: "https://slack.com/api/chat.postMessage",
        channel: "C0123",
        token: "xoxb-secret-token",
        ...via,
      });
      slack.respond({ status: 200, body: '{"ok":true,"channel":"C0123","ts":"1.2"}' });
      await notifier.post(dispatchedEvent(), signal());
      const [call] = slack.calls;
      expect(call?.method).toBe("POST");
      expect(call?.path).toBe("/api/chat.postMessage");
      expect(call?.headers.host).toBe("slack.com");
      expect(call?.headers.authorization).toBe("Bearer xoxb-secret-token");
      expect(call?.headers["content-type"]).toBe("application/json");
      expect(call?.json).toMatchObject({ channel: "C0123", username: "kustomize-controller", attachments: [{}] });
      // Slack answers 200 with ok:false on errors (a bad channel, a revoked token): that is a failure.
      slack.respond({ status: 200, body: '{"ok":false,"error":"channel_not_found"}' });
      await expect(notifier.post(dispatchedEvent(), signal())).rejects.toThrow(
        "POST https://slack.com: Slack responded with error: channel_not_found",
      );
      expect(slack.calls).toHaveLength(2);
    });
  });

  it("msteams: the legacy MessageCard for *.webhook.office.com hooks", async () => {
    await withInternetHost("acme.webhook.office.com", async (teams, via) => {
      const url = "https://acme.webhook.office.com/webhookb2/abc@def/IncomingWebhook/123/456";
      await createNotifier("msteams", { url, ...via }).post(dispatchedEvent({ severity: "error" }), signal());
      const [call] = teams.calls;
      expect(call?.path).toBe("/webhookb2/abc@def/IncomingWebhook/123/456");
      expect(call?.json).toEqual({
        "@type": "MessageCard",
        "@context": "http://schema.org/extensions",
        themeColor: "FF0000",
        summary: "kustomization/apps.flux-system",
        sections: [
          {
            activityTitle: "Deployment/default/web configured",
            activitySubtitle: "kustomization/apps.flux-system",
            facts: [
              { name: "revision", value: `main@sha1:${SHA}` },
              { name: "summary", value: "prod" },
            ],
          },
        ],
      });
    });
  });

  it("msteams: an Adaptive Card with the summary fact first", async () => {
    const [call] = await send("msteams", {}, dispatchedEvent({ severity: "error" }));
    expect(call?.json).toEqual({
      type: "message",
      attachments: [
        {
          contentType: "application/vnd.microsoft.card.adaptive",
          content: {
            $schema: "http://adaptivecards.io/schemas/adaptive-card.json",
            type: "AdaptiveCard",
            version: "1.4",
            body: [
              {
                type: "Container",
                items: [
                  {
                    type: "TextBlock",
                    text: "kustomization/apps.flux-system",
                    size: "large",
                    weight: "bolder",
                    wrap: true,
                  },
                  { type: "TextBlock", text: "Deployment/default/web configured", wrap: true, color: "attention" },
                  {
                    type: "FactSet",
                    facts: [
                      { title: "summary", value: "prod" },
                      { title: "revision", value: `main@sha1:${SHA}` },
                    ],
                  },
                ],
              },
            ],
            msteams: { width: "Full" },
          },
        },
      ],
    });
  });

  it("discord: Slack-formatted payload to the webhook's /slack endpoint", async () => {
    const [call] = await send("discord", { url: `${svc.url}/api/webhooks/1/abc` });
    expect(call?.path).toBe("/api/webhooks/1/abc/slack");
    expect(call?.json).toMatchObject({
      channel: "",
      username: "kustomize-controller",
      attachments: [{ fallback: "", color: "good", author_name: "kustomization/apps.flux-system" }],
    });
  });

  it("rocket: Slack-formatted with Rocket.Chat colours", async () => {
    const [call] = await send("rocket", { channel: "ops", username: "flux" });
    expect(call?.json).toMatchObject({ channel: "ops", username: "flux", attachments: [{ color: "#0076D7" }] });
  });

  it("googlechat: a card with header, message and key/values", async () => {
    const [call] = await send("googlechat", {}, dispatchedEvent({ metadata: { revision: "r1" } }));
    expect(call?.json).toEqual({
      cards: [
        {
          header: {
            title: "kustomization/apps.flux-system",
            subtitle: "kustomize-controller",
            imageUrl: null,
            imageStyle: null,
          },
          sections: [
            { header: "", widgets: [{ textParagraph: { text: "Deployment/default/web configured" }, keyValue: null }] },
            {
              header: "",
              widgets: [
                {
                  textParagraph: null,
                  keyValue: {
                    topLabel: "revision",
                    content: "r1",
                    contentMultiline: false,
                    bottomLabel: null,
                    icon: null,
                  },
                },
              ],
            },
          ],
        },
      ],
    });
  });

  it("telegram: sendMessage on api.telegram.org (address ignored, as Flux) with MarkdownV2 and a forum thread", async () => {
    await withInternetHost("api.telegram.org", async (telegram, via) => {
      await createNotifier("telegram", {
        url: "https://old-address.example.com/ignored",
        channel: "-100123:42",
        token: "123:abc",
        ...via,
      }).post(dispatchedEvent({ metadata: { revision: "v1.0" } }), signal());
      const [call] = telegram.calls;
      expect(call?.method).toBe("POST");
      expect(call?.headers.host).toBe("api.telegram.org");
      expect(call?.path).toBe("/bot123:abc/sendMessage");
      expect(call?.json).toEqual({
        chat_id: "-100123",
        message_thread_id: "42",
        text: "*💫 kustomization/apps/flux\\-system*\nDeployment/default/web configured\n\\- *revision*: v1\\.0\n",
        parse_mode: "MarkdownV2",
      });
    });
  });

  it("matrix: PUT m.text to the room with the event's SHA-1 as transaction id", async () => {
    const [call] = await send(
      "matrix",
      { url: svc.url, channel: "!room:example.org", token: "syt_token" },
      dispatchedEvent({ metadata: { revision: "r1" } }),
    );
    expect(call?.method).toBe("PUT");
    expect(call?.path).toMatch(
      /^\/_matrix\/client\/r0\/rooms\/!room:example\.org\/send\/m\.room\.message\/[0-9a-f]{40}$/,
    );
    expect(call?.headers.authorization).toBe("Bearer syt_token");
    expect(call?.json).toEqual({
      body: "💫 kustomization/apps.flux-system\nDeployment/default/web configured\n- revision: r1\n",
      msgtype: "m.text",
    });
  });
});

describe("webhook providers", () => {
  it.each([
    ["generic", "/hook", {}],
    ["generic-hmac", "/hook", { token: "k" }],
    ["slack", "/hook", {}],
    ["msteams", "/hook", {}],
    ["discord", "/hook/slack", {}],
    ["rocket", "/hook", {}],
    ["googlechat", "/hook", {}],
    ["alertmanager", "/hook", {}],
    ["grafana", "/hook", {}],
  ] as const)("%s: POST application/json to the address", async (type, path, extra) => {
    const [call] = await send(type, extra);
    expect(call?.method).toBe("POST");
    expect(call?.path).toBe(path);
    expect(call?.headers["content-type"]).toBe("application/json");
    expect(svc.calls).toHaveLength(1);
  });

  it("generic: the event JSON with Gotk-Component and the secret's headers", async () => {
    const [call] = await send("generic", { headers: { "X-Team": "ops" } });
    expect(call?.headers["gotk-component"]).toBe("kustomize-controller");
    expect(call?.headers["x-team"]).toBe("ops");
    expect(call?.json).toEqual(dispatchedEvent());
    expect(
      call?.body.startsWith('{"involvedObject":{"kind":"Kustomization","namespace":"flux-system","name":"apps"'),
    ).toBe(true);
  });

  it("generic: the body is byte for byte what Go's encoding/json writes (HTML characters escaped)", async () => {
    const [call] = await send("generic", {}, dispatchedEvent({ message: "a <b> & c", metadata: {} }));
    expect(call?.body).toContain('"message":"a \\u003cb\\u003e \\u0026 c"');
    expect(call?.json).toMatchObject({ message: "a <b> & c" });
  });

  it("generic-hmac: X-Signature is sha256=HMAC(body, token)", async () => {
    const [call] = await send("generic-hmac", { token: "hmac-key" });
    const expected = createHmac("sha256", "hmac-key")
      .update(call?.body ?? "")
      .digest("hex");
    expect(call?.headers["x-signature"]).toBe(`sha256=${expected}`);
  });

  it("generic-hmac: refuses an empty key", () => {
    expect(() => createNotifier("generic-hmac", { url: `${svc.url}/hook`, token: "" })).toThrow("HMAC key is empty");
  });

  it("alertmanager: a firing alert with labels and annotations", async () => {
    const [call] = await send("alertmanager", { token: "am-token" });
    expect(call?.headers.authorization).toBe("Bearer am-token");
    expect(call?.json).toEqual([
      {
        status: "firing",
        labels: {
          revision: `main@sha1:${SHA}`,
          alertname: "FluxKustomizationReconciliationsucceeded",
          severity: "info",
          reason: "ReconciliationSucceeded",
          kind: "Kustomization",
          name: "apps",
          namespace: "flux-system",
          reportingcontroller: "kustomize-controller",
        },
        annotations: { message: "Deployment/default/web configured", summary: "prod" },
        startsAt: "2025-01-02T03:04:05Z",
        endsAt: "0001-01-01T00:00:00Z",
      },
    ]);
  });

  it("grafana: a Graphite annotation with tags, basic auth from username/password", async () => {
    const [call] = await send(
      "grafana",
      { username: "u", password: "p" },
      dispatchedEvent({ metadata: { revision: "a:b" } }),
    );
    expect(call?.headers.authorization).toBe(`Basic ${Buffer.from("u:p").toString("base64")}`);
    expect(call?.json).toEqual({
      when: 1735787045,
      text: "kustomization/apps.flux-system",
      tags: [
        "flux",
        "kustomize-controller",
        "revision: a|b",
        "kind: Kustomization",
        "name: apps",
        "namespace: flux-system",
      ],
    });
  });

  it("pagerduty: an error triggers an incident keyed by the object UID", async () => {
    const [call] = await send(
      "pagerduty",
      { url: `${svc.url}/`, channel: "routing-key" },
      dispatchedEvent({ severity: "error", reason: "HealthCheckFailed" }),
    );
    expect(call?.path).toBe("/v2/enqueue");
    expect(call?.json).toEqual({
      routing_key: "routing-key",
      event_action: "trigger",
      dedup_key: "7f0d2c4e-1111-2222-3333-444455556666",
      payload: {
        summary: "health check failed: kustomization/apps",
        source: "Flux kustomize-controller",
        severity: "error",
        timestamp: "2025-01-02T03:04:05Z",
        component: "apps",
        group: "Kustomization",
        custom_details: {
          message: "Deployment/default/web configured",
          metadata: { revision: `main@sha1:${SHA}`, summary: "prod" },
        },
      },
    });
  });

  it("pagerduty: an info event resolves and sends a change event", async () => {
    const calls = await send("pagerduty", { url: `${svc.url}/`, channel: "rk" });
    expect(calls.map((c) => c.path)).toEqual(["/v2/enqueue", "/v2/change/enqueue"]);
    expect(calls[0]?.json).toEqual({
      routing_key: "rk",
      event_action: "resolve",
      dedup_key: "7f0d2c4e-1111-2222-3333-444455556666",
    });
    expect(calls[1]?.json).toEqual({
      routing_key: "rk",
      payload: {
        summary: "reconciliation succeeded: kustomization/apps",
        source: "Flux kustomize-controller",
        timestamp: "2025-01-02T03:04:05Z",
        custom_details: {
          message: "Deployment/default/web configured",
          metadata: { revision: `main@sha1:${SHA}`, summary: "prod" },
        },
      },
    });
  });

  it("pagerduty: without a UID the dedup_key is left out; no metadata is null, as Go writes them", async () => {
    const { metadata: _metadata, ...rest } = dispatchedEvent({ severity: "error" });
    const { uid: _uid, ...involvedObject } = rest.involvedObject;
    const event = { ...rest, involvedObject };
    const [call] = await send("pagerduty", { url: `${svc.url}/`, channel: "rk" }, event);
    expect(call?.json).not.toHaveProperty("dedup_key");
    expect(call?.json).toMatchObject({ payload: { custom_details: { metadata: null } } });
  });

  it("sentry: an envelope with the error event to the DSN's project", async () => {
    const dsn = `${svc.url.replace("http://", "http://publickey@")}/42`;
    const [call] = await send("sentry", { url: dsn, channel: "production" }, dispatchedEvent({ severity: "error" }));
    expect(call?.path).toBe("/api/42/envelope/");
    expect(call?.headers["content-type"]).toBe("application/x-sentry-envelope");
    expect(call?.headers["x-sentry-auth"]).toContain("sentry_key=publickey");
    const [header, item, payload] = (call?.body ?? "").split("\n").map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(header).toMatchObject({ dsn });
    expect(item).toMatchObject({ type: "event" });
    expect(payload).toMatchObject({
      level: "error",
      environment: "production",
      server_name: "kustomize-controller",
      transaction: "Kustomization: flux-system/apps",
      message: "Deployment/default/web configured",
      contexts: { metadata: { revision: `main@sha1:${SHA}`, summary: "prod" } },
    });
  });

  it("sentry: an info event is a transaction with Flux's tags on it and its one span", async () => {
    const dsn = `${svc.url.replace("http://", "http://publickey@")}/42`;
    const [call] = await send("sentry", { url: dsn }, dispatchedEvent());
    const [, item, payload] = (call?.body ?? "").split("\n").map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(item).toMatchObject({ type: "transaction" });
    const tags = {
      flux_involved_object_kind: "Kustomization",
      flux_involved_object_namespace: "flux-system",
      flux_involved_object_name: "apps",
      flux_reporting_controller: "kustomize-controller",
      flux_reporting_instance: "kustomize-controller-abc",
      flux_reason: "ReconciliationSucceeded",
      revision: `main@sha1:${SHA}`,
      summary: "prod",
    };
    const ts = Date.parse("2025-01-02T03:04:05Z") / 1000;
    expect(payload).toMatchObject({
      type: "transaction",
      transaction: "Kustomization: flux-system/apps",
      message: "Deployment/default/web configured",
      timestamp: ts,
      start_timestamp: ts,
      tags,
      contexts: { trace: { op: "event" } },
      spans: [{ op: "event", start_timestamp: ts, timestamp: ts, tags }],
    });
    expect(payload).not.toHaveProperty("environment");
  });

  it("retries 5xx answers and reports the last status without the URL path", async () => {
    svc.respond({ status: 503, body: "busy" });
    const notifier = createNotifier("slack", { url: `${svc.url}/services/T000/B000/secretpath` });
    const err = await notifier.post(dispatchedEvent(), AbortSignal.timeout(60_000)).catch((e: unknown) => e);
    svc.respond({ status: 200 });
    expect(err).toBeInstanceOf(NotifierError);
    expect(String((err as Error).message)).toContain("failed with status code 503: busy");
    expect(String((err as Error).message)).not.toContain("secretpath");
    expect(svc.calls).toHaveLength(5);
  }, 120_000);
});

describe("commit status providers", () => {
  const commitEvent = dispatchedEvent({ metadata: { revision: `main@sha1:${SHA}` } });

  it("github: lists the statuses, then creates one named by the commit status id", async () => {
    const notifier = createNotifier("github", {
      url: `${svc.url}/org/repo`,
      token: "ghp_token",
      commitStatus: "kustomization/apps/7f0d2c4e",
    });
    await notifier.post(commitEvent, signal());
    // Not github.com: GitHub Enterprise's /api/v3.
    expect(svc.calls.map((c) => `${c.method} ${c.path}`)).toEqual([
      `GET /api/v3/repos/org/repo/commits/${SHA}/statuses?per_page=50`,
      `POST /api/v3/repos/org/repo/statuses/${SHA}`,
    ]);
    const post = svc.calls[1];
    expect(post?.headers.authorization).toBe("Bearer ghp_token");
    expect(post?.headers.accept).toBe("application/vnd.github.v3+json");
    expect(post?.json).toEqual({
      state: "success",
      description: "reconciliation succeeded",
      context: "kustomization/apps/7f0d2c4e",
    });
  });

  it("github: a github.com repository goes to api.github.com with GitHub's headers", async () => {
    await withInternetHost("api.github.com", async (github, via) => {
      const notifier = createNotifier("github", {
        url: "https://github.com/org/repo.git",
        token: "ghp_token",
        commitStatus: "kustomization/apps/7f0d2c4e",
        ...via,
      });
      await notifier.post(commitEvent, signal());
      expect(github.calls.map((c) => `${c.method} ${c.headers.host} ${c.path}`)).toEqual([
        `GET api.github.com /repos/org/repo/commits/${SHA}/statuses?per_page=50`,
        `POST api.github.com /repos/org/repo/statuses/${SHA}`,
      ]);
      const post = github.calls[1];
      expect(post?.headers).toMatchObject({
        authorization: "Bearer ghp_token",
        accept: "application/vnd.github.v3+json",
        "content-type": "application/json",
      });
      expect(post?.json).toEqual({
        state: "success",
        description: "reconciliation succeeded",
        context: "kustomization/apps/7f0d2c4e",
      });
    });
  });

  it("github: skips a status equal to the latest of its context, and Progressing events", async () => {
    svc.respond(
      { status: 200, body: JSON.stringify([{ context: "c", state: "failure", description: "health check failed" }]) },
      `GET /api/v3/repos/org/repo/commits/${SHA}/statuses`,
    );
    const notifier = createNotifier("github", { url: `${svc.url}/org/repo`, token: "t", commitStatus: "c" });
    await notifier.post({ ...commitEvent, severity: "error", reason: "HealthCheckFailed" }, signal());
    await notifier.post({ ...commitEvent, reason: "Progressing" }, signal());
    expect(svc.calls.map((c) => c.method)).toEqual(["GET"]);
  });

  it("github: an event without a revision fails clearly", async () => {
    const notifier = createNotifier("github", { url: `${svc.url}/org/repo`, token: "t", commitStatus: "c" });
    await expect(notifier.post(dispatchedEvent({ metadata: {} }), signal())).rejects.toThrow(
      "missing revision metadata",
    );
  });

  it("gitlab: PRIVATE-TOKEN, list by name, then set the status", async () => {
    const notifier = createNotifier("gitlab", {
      url: `${svc.url}/group/sub/project.git`,
      token: "glpat",
      commitStatus: "kustomization/apps/7f0d2c4e",
    });
    await notifier.post({ ...commitEvent, severity: "error", reason: "HealthCheckFailed" }, signal());
    const project = encodeURIComponent("group/sub/project");
    expect(svc.calls.map((c) => `${c.method} ${c.path}`)).toEqual([
      `GET /api/v4/projects/${project}/repository/commits/${SHA}/statuses?name=${encodeURIComponent("kustomization/apps/7f0d2c4e")}`,
      `POST /api/v4/projects/${project}/statuses/${SHA}`,
    ]);
    expect(svc.calls[1]?.headers["private-token"]).toBe("glpat");
    expect(svc.calls[1]?.json).toEqual({
      state: "failed",
      name: "kustomization/apps/7f0d2c4e",
      description: "health check failed",
    });
  });

  it("gitea: token authorization and pending for Progressing", async () => {
    const notifier = createNotifier("gitea", { url: `${svc.url}/org/repo`, token: "gt", commitStatus: "c" });
    await notifier.post({ ...commitEvent, reason: "Progressing" }, signal());
    expect(svc.calls[1]?.path).toBe(`/api/v1/repos/org/repo/statuses/${SHA}`);
    expect(svc.calls[1]?.headers.authorization).toBe("token gt");
    expect(svc.calls[1]?.json).toEqual({ state: "pending", target_url: "", description: "progressing", context: "c" });
  });

  it("bitbucket: build status keyed by SHA-1 of the id, basic auth from user:password", async () => {
    process.env["BITBUCKET_API_BASE_URL"] = `${svc.url}/2.0`;
    try {
      svc.respond((c) => (c.method === "GET" ? { status: 404 } : { status: 201 }));
      const notifier = createNotifier("bitbucket", {
        url: "https://bitbucket.org/org/repo",
        token: "user:pass",
        commitStatus: "c",
      });
      await notifier.post(commitEvent, signal());
    } finally {
      delete process.env["BITBUCKET_API_BASE_URL"];
    }
    const post = svc.calls.at(-1);
    expect(post?.path).toBe(`/2.0/repositories/org/repo/commit/${SHA}/statuses/build`);
    expect(post?.headers.authorization).toBe(`Basic ${Buffer.from("user:pass").toString("base64")}`);
    expect(post?.json).toEqual({
      state: "SUCCESSFUL",
      key: "84a516841ba77a5b4648de2cd0dfcb30ea46dbb4",
      name: "kustomization/apps",
      description: "reconciliation succeeded",
      url: "https://bitbucket.org",
    });
  });

  it("azuredevops: status with the fluxcd genre and the summary", async () => {
    svc.respond({ status: 200, body: '{"value":[]}' });
    const notifier = createNotifier("azuredevops", {
      url: `${svc.url}/org/proj/_git/repo`,
      token: "pat",
      commitStatus: "c",
    });
    await notifier.post({ ...commitEvent, metadata: { ...commitEvent.metadata, summary: "prod" } }, signal());
    svc.respond({ status: 200 });
    const post = svc.calls[1];
    expect(post?.path).toBe(`/org/proj/_apis/git/repositories/repo/commits/${SHA}/statuses?api-version=6.0`);
    expect(post?.headers.authorization).toBe(`Basic ${Buffer.from(":pat").toString("base64")}`);
    expect(post?.json).toEqual({
      state: "succeeded",
      description: "reconciliation succeeded",
      context: { name: "c", genre: "fluxcd:prod" },
    });
  });

  it("githubdispatch: repository_dispatch with the event as client_payload", async () => {
    const notifier = createNotifier("githubdispatch", { url: `${svc.url}/org/repo`, token: "ghp" });
    await notifier.post(commitEvent, signal());
    expect(svc.calls[0]?.path).toBe("/api/v3/repos/org/repo/dispatches");
    expect(svc.calls[0]?.json).toEqual({ event_type: "Kustomization/apps.flux-system", client_payload: commitEvent });
  });

  it("refuses types this build lacks and settings a type requires", () => {
    expect(() => createNotifier("nats", { url: "nats://x" })).toThrow("provider nats not supported");
    expect(() => createNotifier("gitlab", { url: `${svc.url}/a/b`, commitStatus: "c" })).toThrow(
      "gitlab token cannot be empty",
    );
    expect(() => createNotifier("slack", { url: "not a url" })).toThrow("invalid Slack hook URL");
    expect(() => createNotifier("telegram", { url: "", token: "t" })).toThrow("empty Telegram channel");
  });
});
