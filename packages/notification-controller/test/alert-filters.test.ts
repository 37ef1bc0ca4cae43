// Which events an Alert forwards, against the embedded API server with --no-cross-namespace-refs:
// eventSeverity, inclusionList, a `*` source with matchLabels read from the object, a source in another
// namespace (blocked), suspended Providers and Alerts, and what the delivered event carries (eventMetadata,
// the deprecated summary).

import type { FluxEvent, UnstructuredObject } from "@sluice/runtime";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { closeDispatchers } from "../src/index.js";
import {
  createAlert,
  createProvider,
  createSecret,
  eventually,
  type NotificationEnv,
  startNotificationEnv,
  waitForCached,
} from "./support/env.js";
import { type StandIn, startStandIn } from "./support/stand-in.js";

const NS = "notify-filters";
let env: NotificationEnv;
let hook: StandIn;

function event(message: string, overrides: Partial<FluxEvent> = {}): FluxEvent {
  return {
    involvedObject: {
      kind: "Kustomization",
      namespace: NS,
      name: "apps",
      apiVersion: "kustomize.toolkit.fluxcd.io/v1",
    },
    severity: "error",
    timestamp: "2025-01-02T03:04:05Z",
    message,
    reason: "ReconciliationFailed",
    reportingController: "kustomize-controller",
    ...overrides,
  };
}

async function post(e: FluxEvent): Promise<number> {
  const res = await fetch(env.eventsUrl, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(e),
  });
  await res.body?.cancel();
  return res.status;
}

const delivered = () =>
  hook.calls.filter((c) => c.path === "/hook").map((c) => c.json as FluxEvent & { metadata?: Record<string, string> });

beforeAll(async () => {
  hook = await startStandIn();
  env = await startNotificationEnv(NS, { noCrossNamespaceRefs: true }, ["source.toolkit.fluxcd.io_"]);
  for (const [name, team] of [
    ["a1", "a"],
    ["b1", "b"],
  ] as const) {
    await env.client.create({
      apiVersion: "source.toolkit.fluxcd.io/v1",
      kind: "GitRepository",
      metadata: { namespace: NS, name, labels: { team } },
      spec: { url: "https://example.com/repo.git", interval: "1h" },
    } as UnstructuredObject);
  }
  await createProvider(env.client, NS, "hook", { type: "generic", address: `${hook.url}/hook` });
  await createAlert(env.client, NS, "errors", {
    providerRef: { name: "hook" },
    eventSeverity: "error",
    eventSources: [
      { kind: "Kustomization", name: "*" },
      { kind: "Kustomization", namespace: "elsewhere", name: "*" },
    ],
    inclusionList: ["^deploy", "^marker"],
    eventMetadata: { env: "prod" },
    summary: "prod cluster",
  });
  // A suspended Provider receives nothing, nor does a suspended Alert's Provider.
  await createProvider(env.client, NS, "paused", { type: "generic", address: `${hook.url}/paused`, suspend: true });
  await createAlert(env.client, NS, "to-paused", {
    providerRef: { name: "paused" },
    eventSources: [{ kind: "Kustomization", name: "*" }],
  });
  await createAlert(env.client, NS, "suspended", {
    providerRef: { name: "hook" },
    suspend: true,
    eventSources: [{ kind: "Kustomization", name: "*" }],
  });
  await createAlert(env.client, NS, "team-a", {
    providerRef: { name: "hook" },
    eventSources: [{ kind: "GitRepository", name: "*", matchLabels: { team: "a" } }],
  });
  await waitForCached(env, "Alert", "errors");
  await waitForCached(env, "Alert", "team-a");
  await waitForCached(env, "Provider", "hook");
  await waitForCached(env, "Provider", "paused");
  await waitForCached(env, "Alert", "to-paused");
  await waitForCached(env, "Alert", "suspended");
}, 120_000);

afterAll(async () => {
  await env?.stop();
  await closeDispatchers();
  await hook?.stop();
});

describe("alert filters", () => {
  it("forwards by severity, inclusionList and labels; blocks other namespaces and suspended ones; adds eventMetadata and summary", async () => {
    expect(await post(event("deploy info", { severity: "info" }))).toBe(202);
    expect(await post(event("health check failed"))).toBe(202);
    expect(await post(event("deploy failed"))).toBe(202);
    expect(
      await post(
        event("deploy failed elsewhere", {
          involvedObject: { kind: "Kustomization", namespace: "elsewhere", name: "apps" },
        }),
      ),
    ).toBe(202);
    const repo = (name: string) => ({
      involvedObject: { kind: "GitRepository", namespace: NS, name, apiVersion: "source.toolkit.fluxcd.io/v1" },
      severity: "info" as const,
      reason: "NewArtifact",
      reportingController: "source-controller",
    });
    expect(await post(event("stored artifact a1", repo("a1")))).toBe(202);
    expect(await post(event("stored artifact b1", repo("b1")))).toBe(202);
    expect(await post(event("marker"))).toBe(202);
    await eventually("the marker delivered", async () => delivered().some((e) => e.message === "marker"));
    await eventually("no delivery in flight", async () => env.controller.dispatcher.pending === 0);
    expect(
      delivered()
        .map((e) => e.message)
        .sort(),
    ).toEqual(["deploy failed", "marker", "stored artifact a1"]);
    expect(delivered().find((e) => e.message === "deploy failed")?.metadata).toEqual({
      env: "prod",
      summary: "prod cluster",
    });
    expect(env.logs.join("")).toContain("cross-namespace references have been blocked");
    expect(hook.calls.filter((c) => c.path !== "/hook")).toEqual([]);
  });

  it("commit status providers: Flux's default id kind/name/<UID prefix>, or commitStatusExpr; other events dropped", async () => {
    const sha = "0123456789abcdef0123456789abcdef01234567";
    await createSecret(env.client, NS, "gh-token", { token: "ghp_secret" });
    for (const [name, extra] of [
      ["gh", {}],
      ["gh-expr", { commitStatusExpr: '"flux/" + event.involvedObject.name + "/" + provider.metadata.name' }],
    ] as const) {
      await createProvider(env.client, NS, name, {
        type: "github",
        address: `${hook.url}/org/repo`,
        secretRef: { name: "gh-token" },
        ...extra,
      });
      await createAlert(env.client, NS, `to-${name}`, {
        providerRef: { name },
        eventSources: [{ kind: "Kustomization", name: "cs-app" }],
      });
      await waitForCached(env, "Alert", `to-${name}`);
      await waitForCached(env, "Provider", name);
    }
    const uid =
      (
        await env.client.get({
          apiVersion: "notification.toolkit.fluxcd.io/v1beta3",
          kind: "Provider",
          namespace: NS,
          name: "gh",
        })
      ).metadata.uid ?? "";
    const cs = (message: string, metadata: Record<string, string>) =>
      event(message, {
        severity: "info",
        reason: "ReconciliationSucceeded",
        involvedObject: {
          kind: "Kustomization",
          namespace: NS,
          name: "cs-app",
          apiVersion: "kustomize.toolkit.fluxcd.io/v1",
        },
        metadata: { "kustomize.toolkit.fluxcd.io/revision": `main@sha1:${sha}`, ...metadata },
      });
    // Neither a commit key, a commit_status update nor an error: dropped for commit status providers.
    expect(await post(cs("applied without a commit key", {}))).toBe(202);
    expect(await post(cs("applied", { "kustomize.toolkit.fluxcd.io/commit_status": "update" }))).toBe(202);
    const statuses = () => hook.calls.filter((c) => c.method === "POST" && c.path.startsWith("/api/v3/"));
    await eventually("two commit statuses", async () => statuses().length === 2);
    await eventually("no delivery in flight", async () => env.controller.dispatcher.pending === 0);
    expect(statuses().map((c) => c.path)).toEqual([
      `/api/v3/repos/org/repo/statuses/${sha}`,
      `/api/v3/repos/org/repo/statuses/${sha}`,
    ]);
    expect(statuses().map((c) => c.headers.authorization)).toEqual(["Bearer ghp_secret", "Bearer ghp_secret"]);
    expect(
      statuses()
        .map((c) => (c.json as { context: string }).context)
        .sort(),
    ).toEqual([`kustomization/cs-app/${uid.split("-")[0]}`, "flux/cs-app/gh-expr"].sort());
    expect(statuses().map((c) => c.json)).toContainEqual({
      state: "success",
      description: "reconciliation succeeded",
      context: "flux/cs-app/gh-expr",
    });
    expect(env.logs.join("")).toContain("event dropped for commit status providers due to missing commit metadata key");
  });
});
