// Notification commands against the API server and the real notification-controller: create
// alert-provider/alert/receiver (and --export), get alerts/alert-providers/receivers, reconcile receiver,
// suspend/resume alert and receiver.

import { createNotificationController } from "@sluice/notification-controller";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { type CliEnv, startCliEnv } from "./support/cli-env.js";

describe("sluice notification commands", () => {
  let env: CliEnv;
  const abort = new AbortController();
  let running: Promise<void>;
  beforeAll(async () => {
    env = await startCliEnv();
    const controller = createNotificationController({
      kubeConfig: env.cluster.kubeConfig,
      eventsAddr: "127.0.0.1:0",
      receiverAddr: "127.0.0.1:0",
      metricsAddr: "0",
      healthAddr: "0",
      rateLimit: false,
    });
    running = controller.start(abort.signal).catch(() => undefined);
    await controller.ready();
    await env.cluster.client.create({
      apiVersion: "v1",
      kind: "Secret",
      metadata: { namespace: "flux-system", name: "webhook-token" },
      stringData: { token: "t0ken" },
    });
  });
  afterAll(async () => {
    abort.abort();
    await running;
    await env?.stop();
  });

  it("create alert-provider and alert --export print Flux's YAML", async () => {
    const p = await env.sluice(
      "create",
      "alert-provider",
      "slack",
      "--type",
      "slack",
      "--channel",
      "general",
      "--secret-ref",
      "slack-url",
      "--export",
    );
    expect(p.code).toBe(0);
    expect(parse(p.stdout)).toEqual({
      apiVersion: "notification.toolkit.fluxcd.io/v1beta3",
      kind: "Provider",
      metadata: { name: "slack", namespace: "flux-system" },
      spec: { type: "slack", channel: "general", secretRef: { name: "slack-url" } },
    });
    const a = await env.sluice(
      "create",
      "alert",
      "on-call",
      "--provider-ref",
      "slack",
      "--event-source",
      "Kustomization/*",
      "--event-source",
      "GitRepository/apps",
      "--export",
    );
    expect(parse(a.stdout)).toEqual({
      apiVersion: "notification.toolkit.fluxcd.io/v1beta3",
      kind: "Alert",
      metadata: { name: "on-call", namespace: "flux-system" },
      spec: {
        providerRef: { name: "slack" },
        eventSeverity: "info",
        eventSources: [
          { kind: "Kustomization", name: "*" },
          { kind: "GitRepository", name: "apps" },
        ],
      },
    });
  });

  it("creates, lists, suspends and resumes alerts and providers", async () => {
    expect(
      (
        await env.sluice(
          "create",
          "alert-provider",
          "slack",
          "--type",
          "slack",
          "--address",
          "https://hooks.example.com/x",
        )
      ).code,
    ).toBe(0);
    expect(
      (await env.sluice("create", "alert", "on-call", "--provider-ref", "slack", "--event-source", "Kustomization/*"))
        .code,
    ).toBe(0);
    const providers = await env.sluice("get", "alert-providers");
    expect(providers.stdout).toMatch(/NAME\s+READY\s+MESSAGE\nslack\s+True\s+Provider is Ready/);
    expect((await env.sluice("suspend", "alert", "on-call")).stderr).toContain("✔ alert suspended");
    expect((await env.sluice("get", "alerts")).stdout).toMatch(/on-call\s+True\s+True\s+Alert is Ready/);
    expect((await env.sluice("resume", "alert", "on-call")).code).toBe(0);
    expect((await env.sluice("get", "alerts")).stdout).toMatch(/on-call\s+False\s+True/);
  });

  it("create receiver waits for Ready and prints the webhook path; reconcile, suspend and resume it", async () => {
    const r = await env.sluice(
      "create",
      "receiver",
      "github",
      "--type",
      "github",
      "--event",
      "ping",
      "--event",
      "push",
      "--resource",
      "GitRepository/apps",
      "--secret-ref",
      "webhook-token",
    );
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/✔ generated webhook URL \/hook\/[0-9a-f]{64}\n/);
    expect((await env.sluice("get", "receivers")).stdout).toMatch(
      /github\s+False\s+True\s+Receiver initialized for path: \/hook\//,
    );
    const rec = await env.sluice("reconcile", "receiver", "github");
    expect(rec.code, rec.stderr).toBe(0);
    expect((await env.sluice("suspend", "receiver", "github")).code).toBe(0);
    expect((await env.sluice("reconcile", "receiver", "github")).stderr).toContain("resource is suspended");
    expect((await env.sluice("resume", "receiver", "github")).code).toBe(0);
  });
});
