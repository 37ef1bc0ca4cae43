// The event server end to end against the embedded API server: events POSTed as the controllers send them
// reach the Providers of matching Alerts; bad, oversized and duplicate bodies are refused; a hanging
// provider delays no other; failures are reported on the Alert without the provider's secret.

import { type FluxEvent, postFluxEvent } from "@sluice/runtime";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { closeDispatchers, MAX_REQUEST_BODY_BYTES } from "../src/index.js";
import {
  createAlert,
  createProvider,
  createSecret,
  eventually,
  kubeEventsOf,
  type NotificationEnv,
  startNotificationEnv,
  waitForCached,
} from "./support/env.js";
import { type StandIn, startStandIn } from "./support/stand-in.js";

const NS = "notify-events";
const SECRET_PATH = "T0001/B0001/abcdefSECRETxyz";
let env: NotificationEnv;
let slack: StandIn;
let hanging: StandIn;
let seq = 0;

function event(overrides: Partial<FluxEvent> = {}): FluxEvent {
  seq++;
  return {
    involvedObject: {
      kind: "Kustomization",
      namespace: NS,
      name: "apps",
      apiVersion: "kustomize.toolkit.fluxcd.io/v1",
      uid: "u-1",
    },
    severity: "info",
    timestamp: "2025-01-02T03:04:05Z",
    message: `applied revision ${seq}`,
    reason: "ReconciliationSucceeded",
    metadata: {
      "kustomize.toolkit.fluxcd.io/revision": `main@sha1:${"a".repeat(40)}`,
      "kustomize.toolkit.fluxcd.io/checksum": "dropped",
      "kustomize.toolkit.fluxcd.io/token": "dedup-only",
      "other.example.com/key": "dropped",
      "event.toolkit.fluxcd.io/team": "ops",
    },
    reportingController: "kustomize-controller",
    ...overrides,
  };
}

function texts(): string[] {
  return slack.calls.map((c) => (c.json as { attachments: Array<{ text: string }> }).attachments[0]?.text ?? "");
}

async function post(body: string | Buffer): Promise<number> {
  const res = await fetch(env.eventsUrl, { method: "POST", headers: { "content-type": "application/json" }, body });
  await res.body?.cancel();
  return res.status;
}

beforeAll(async () => {
  slack = await startStandIn();
  hanging = await startStandIn();
  hanging.respond("hang");
  env = await startNotificationEnv(NS, { rateLimitIntervalMs: 60_000 });
  await createSecret(env.client, NS, "slack-url", { address: `${slack.url}/services/${SECRET_PATH}` });
  await createProvider(env.client, NS, "slack", { type: "slack", channel: "#ops", secretRef: { name: "slack-url" } });
  await createProvider(env.client, NS, "stuck", { type: "generic", address: `${hanging.url}/hook`, timeout: "2s" });
  await createAlert(env.client, NS, "to-slack", {
    providerRef: { name: "slack" },
    eventSources: [{ kind: "Kustomization", name: "*" }],
    exclusionList: ["^ignored"],
    eventMetadata: { cluster: "prod" },
  });
  await createAlert(env.client, NS, "to-stuck", {
    providerRef: { name: "stuck" },
    eventSources: [{ kind: "Kustomization", name: "apps" }],
  });
  await waitForCached(env, "Alert", "to-slack");
  await waitForCached(env, "Alert", "to-stuck");
  await waitForCached(env, "Provider", "slack");
  await waitForCached(env, "Provider", "stuck");
}, 120_000);

afterAll(async () => {
  await env?.stop();
  await closeDispatchers();
  await slack?.stop();
  await hanging?.stop();
});

describe("event server", () => {
  it("delivers an event from the runtime's sender to Slack with the merged metadata", async () => {
    slack.calls.length = 0;
    expect(await postFluxEvent(env.eventsUrl, event({ message: "first delivery" }))).toBe("sent");
    const [call] = await slack.waitForCalls(1);
    expect(call?.path).toBe(`/services/${SECRET_PATH}`);
    expect(call?.json).toMatchObject({
      channel: "#ops",
      username: "kustomize-controller",
      attachments: [
        {
          author_name: `kustomization/apps.${NS}`,
          text: "first delivery",
          fields: [
            { title: "cluster", value: "prod", short: false },
            { title: "revision", value: `main@sha1:${"a".repeat(40)}`, short: false },
            { title: "team", value: "ops", short: false },
          ],
        },
      ],
    });
  });

  it("a hanging provider does not delay another provider's delivery", async () => {
    slack.calls.length = 0;
    const hangingBefore = hanging.calls.length;
    const started = Date.now();
    expect(await post(JSON.stringify(event({ message: "while stuck hangs" })))).toBe(202);
    await slack.waitForCalls(1);
    await hanging.waitForCalls(hangingBefore + 1);
    // Slack's delivery arrived while the stuck provider's request was still unanswered.
    expect(slack.calls[0]?.at).toBeLessThan(started + 2_000 + 60_000);
    expect(env.controller.dispatcher.pending).toBeGreaterThan(0);
    // The stuck provider times out (2s) and the failure is reported on its Alert.
    await eventually("a NotificationDispatchFailed event on the Alert", async () =>
      (await kubeEventsOf(env.client, NS, "to-stuck")).find((e) => e.reason === "NotificationDispatchFailed"),
    );
  });

  it("refuses malformed, incomplete and oversized bodies", async () => {
    expect(await post("{not json")).toBe(400);
    expect(
      await post(
        JSON.stringify({ severity: "info", reason: "x", involvedObject: { kind: "Kustomization", name: "a" } }),
      ),
    ).toBe(400);
    expect(await post(JSON.stringify(event({ severity: "warning" as FluxEvent["severity"] })))).toBe(400);
    const big = JSON.stringify(event({ message: "x".repeat(MAX_REQUEST_BODY_BYTES) }));
    expect(await post(big)).toBe(413);
    // Without a Content-Length (chunked), the cap applies as the body arrives; the 413 still gets out.
    const chunked = new ReadableStream<Uint8Array>({
      start(c) {
        for (let i = 0; i < 4; i++) c.enqueue(new Uint8Array(1024 * 1024).fill(0x20));
        c.close();
      },
    });
    const streamed = await fetch(env.eventsUrl, { method: "POST", body: chunked, duplex: "half" } as RequestInit);
    await streamed.body?.cancel();
    expect(streamed.status).toBe(413);
    const res = await fetch(env.eventsUrl, { method: "POST", body: "{}" });
    expect(await res.text()).toContain("involvedObject is required");
  });

  it("answers 429 to a duplicate within the rate limit interval, not to a new revision", async () => {
    const e = event({ message: "same message" });
    expect(await post(JSON.stringify(e))).toBe(202);
    expect(await post(JSON.stringify(e))).toBe(429);
    expect(await postFluxEvent(env.eventsUrl, e)).toBe("duplicate");
    const newer = {
      ...e,
      metadata: { ...e.metadata, "kustomize.toolkit.fluxcd.io/revision": `main@sha1:${"b".repeat(40)}` },
    };
    expect(await post(JSON.stringify(newer))).toBe(202);
  });

  it("drops excluded messages and events of other namespaces", async () => {
    expect(await post(JSON.stringify(event({ message: "ignored: noisy" })))).toBe(202);
    expect(
      await post(
        JSON.stringify(
          event({
            message: "from elsewhere",
            involvedObject: { kind: "Kustomization", namespace: "other", name: "apps" },
          }),
        ),
      ),
    ).toBe(202);
    expect(await post(JSON.stringify(event({ message: "marker" })))).toBe(202);
    await eventually("the marker at Slack", async () => texts().includes("marker"));
    await new Promise((r) => setTimeout(r, 300));
    expect(texts()).not.toContain("ignored: noisy");
    expect(texts()).not.toContain("from elsewhere");
  });

  it("reports a failing provider on the Alert with its secret masked, in events, logs and metrics alike", async () => {
    slack.respond({ status: 500, body: `upstream saw ${SECRET_PATH}` });
    await createProvider(env.client, NS, "failing", { type: "slack", secretRef: { name: "slack-url" }, timeout: "1s" });
    await createAlert(env.client, NS, "to-failing", {
      providerRef: { name: "failing" },
      eventSources: [{ kind: "GitRepository", name: "*" }],
    });
    await waitForCached(env, "Alert", "to-failing");
    await waitForCached(env, "Provider", "failing");
    expect(
      await post(JSON.stringify(event({ involvedObject: { kind: "GitRepository", namespace: NS, name: "src" } }))),
    ).toBe(202);
    const failure = await eventually("a failure event on to-failing", async () =>
      (await kubeEventsOf(env.client, NS, "to-failing")).find((e) => e.reason === "NotificationDispatchFailed"),
    );
    slack.respond({ status: 200 });
    expect(failure.message).toContain("failed to send notification for GitRepository/notify-events/src");
    expect(failure.message).toContain("*****");
    expect(failure.message).not.toContain(SECRET_PATH);
    expect(env.logs.join("")).not.toContain(SECRET_PATH);
    const metrics = await env.controller.manager.metrics.registry.metrics();
    expect(metrics).not.toContain(SECRET_PATH);
    expect(metrics).toMatch(/notification_controller_deliveries_total\{type="slack",result="failure"\} [1-9]/);
    expect(metrics).toMatch(
      /gotk_event_http_request_duration_seconds_count\{handler="\/",method="POST",service="",code="429"\} [1-9]/,
    );
  });

  it("reports an Alert whose Provider does not exist", async () => {
    await createAlert(env.client, NS, "orphan", {
      providerRef: { name: "missing" },
      eventSources: [{ kind: "HelmRelease", name: "*" }],
    });
    await waitForCached(env, "Alert", "orphan");
    expect(
      await post(JSON.stringify(event({ involvedObject: { kind: "HelmRelease", namespace: NS, name: "web" } }))),
    ).toBe(202);
    const failure = await eventually("a failure event on orphan", async () =>
      (await kubeEventsOf(env.client, NS, "orphan")).find((e) => e.reason === "NotificationDispatchFailed"),
    );
    expect(failure.message).toContain(
      'failed to read provider: Provider.notification.toolkit.fluxcd.io "missing" not found',
    );
  });

  it("reports a Provider whose secret is missing or whose address is invalid, without waiting for an event", async () => {
    await createProvider(env.client, NS, "no-secret", { type: "slack", secretRef: { name: "absent" } });
    await createProvider(env.client, NS, "bad-address", { type: "slack", address: "not a url" });
    await createProvider(env.client, NS, "no-token", { type: "github", address: "https://github.com/org/repo" });
    const failure = (name: string) =>
      eventually(`a ValidationFailed event on Provider ${name}`, async () =>
        (await kubeEventsOf(env.client, NS, name)).find((e) => e.reason === "ValidationFailed"),
      );
    expect((await failure("no-secret")).message).toMatch(
      /^failed to initialize notifier for provider 'no-secret': .*absent.* not found/,
    );
    expect((await failure("bad-address")).message).toBe(
      "failed to initialize notifier for provider 'bad-address': invalid Slack hook URL: not an absolute URL",
    );
    expect((await failure("no-token")).message).toBe(
      "failed to initialize notifier for provider 'no-token': github token or github app details must be specified",
    );
  });
});
