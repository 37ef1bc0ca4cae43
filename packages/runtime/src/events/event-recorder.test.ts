import { KubeConfig } from "@kubernetes/client-node";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { type LoopbackServer, startLoopbackServer } from "../../test/support/loopback-server.js";
import { type EmbeddedTestCluster, startEmbeddedCluster } from "../../test/support/test-cluster.js";
import { ensureNamespaces } from "../../test/support/test-crd.js";
import { KubeClient } from "../kube/kube-client.js";
import type { UnstructuredObject } from "../kube/object-ref.js";
import { EventRecorder } from "./event-recorder.js";
import type { EventLogger, FluxEvent } from "./types.js";

const gitRepository = {
  apiVersion: "source.toolkit.fluxcd.io/v1",
  kind: "GitRepository",
  metadata: {
    name: "podinfo",
    namespace: "flux-system",
    uid: "5d1a9e1c-0000-4000-8000-000000000001",
    resourceVersion: "17",
    annotations: { "event.toolkit.fluxcd.io/team": "platform" },
  },
};

/** Answers from a script: each request takes the next status; 200 once the script is empty. */
let statuses: number[] = [];
let receiver: LoopbackServer;
const fast = { retryWaitMinMs: 5, retryWaitMaxMs: 20, timeoutMs: 2_000 };

function collectingLogger(): EventLogger & { entries: { obj: Record<string, unknown>; msg: string }[] } {
  const entries: { obj: Record<string, unknown>; msg: string }[] = [];
  return { entries, error: (obj, msg) => entries.push({ obj, msg }) };
}

beforeAll(async () => {
  receiver = await startLoopbackServer((_req, res) => {
    res.statusCode = statuses.shift() ?? 200;
    res.end();
  });
});

afterAll(async () => {
  await receiver.close();
});

afterEach(() => {
  statuses = [];
  receiver.requests.length = 0;
});

const posted = (): FluxEvent[] => receiver.requests.map((r) => JSON.parse(r.body.toString()) as FluxEvent);

describe("EventRecorder → notification-controller", () => {
  it("POSTs the Flux event JSON with prefixed metadata and copied annotations", async () => {
    const recorder = new EventRecorder({
      reportingController: "source-controller",
      group: "source.toolkit.fluxcd.io",
      eventsAddr: `${receiver.url}/`,
      reportingInstance: "source-controller-abc",
      webhook: fast,
      now: () => new Date("2025-01-02T03:04:05.678Z"),
    });
    const outcome = await recorder.info(gitRepository, "NewArtifact", "stored artifact for commit 'Merge PR'", {
      revision: "main@sha1:0123456789abcdef0123456789abcdef01234567",
    });
    expect(outcome).toEqual({ kubeEvent: "skipped", webhook: "sent" });
    expect(receiver.requests).toHaveLength(1);
    const [request] = receiver.requests;
    expect(request?.method).toBe("POST");
    expect(request?.url).toBe("/");
    expect(request?.headers["content-type"]).toBe("application/json");
    expect(posted()[0]).toEqual({
      involvedObject: {
        apiVersion: "source.toolkit.fluxcd.io/v1",
        kind: "GitRepository",
        name: "podinfo",
        namespace: "flux-system",
        uid: "5d1a9e1c-0000-4000-8000-000000000001",
        resourceVersion: "17",
      },
      severity: "info",
      timestamp: "2025-01-02T03:04:05Z",
      message: "stored artifact for commit 'Merge PR'",
      reason: "NewArtifact",
      metadata: {
        "source.toolkit.fluxcd.io/revision": "main@sha1:0123456789abcdef0123456789abcdef01234567",
        "event.toolkit.fluxcd.io/team": "platform",
      },
      reportingController: "source-controller",
      reportingInstance: "source-controller-abc",
    });
  });

  it("retries 5xx answers and then delivers", async () => {
    statuses = [500, 503];
    const recorder = new EventRecorder({ reportingController: "c", eventsAddr: receiver.url, webhook: fast });
    const outcome = await recorder.error(gitRepository, "GitOperationFailed", "failed to checkout");
    expect(outcome.webhook).toBe("sent");
    expect(receiver.requests).toHaveLength(3);
    expect(posted().every((e) => e.severity === "error")).toBe(true);
  });

  it("treats 429 as a duplicate: not retried, not logged", async () => {
    statuses = [429];
    const logger = collectingLogger();
    const recorder = new EventRecorder({ reportingController: "c", eventsAddr: receiver.url, webhook: fast, logger });
    const outcome = await recorder.info(gitRepository, "NewArtifact", "same again");
    expect(outcome.webhook).toBe("duplicate");
    expect(receiver.requests).toHaveLength(1);
    expect(logger.entries).toEqual([]);
  });

  it("logs and gives up after the retries, without throwing", async () => {
    statuses = [500, 500, 500];
    const logger = collectingLogger();
    const recorder = new EventRecorder({
      reportingController: "c",
      eventsAddr: receiver.url,
      webhook: { ...fast, retries: 2 },
      logger,
    });
    const outcome = await recorder.info(gitRepository, "NewArtifact", "m");
    expect(outcome.webhook).toBe("failed");
    expect(receiver.requests).toHaveLength(3);
    expect(logger.entries).toHaveLength(1);
    expect(logger.entries[0]?.msg).toBe("unable to record event");
    expect(logger.entries[0]?.obj["object"]).toBe("GitRepository/flux-system/podinfo");
    expect(String(logger.entries[0]?.obj["err"])).toMatch(/giving up after 3 attempts: .*HTTP 500/);
  });

  it("does not retry a 4xx other than 429", async () => {
    statuses = [400];
    const recorder = new EventRecorder({ reportingController: "c", eventsAddr: receiver.url, webhook: fast });
    expect((await recorder.info(gitRepository, "R", "m")).webhook).toBe("failed");
    expect(receiver.requests).toHaveLength(1);
  });

  it("does not POST trace events, cluster-scoped objects, or without --events-addr", async () => {
    const recorder = new EventRecorder({ reportingController: "c", eventsAddr: receiver.url, webhook: fast });
    expect((await recorder.trace(gitRepository, "Progressing", "building")).webhook).toBe("skipped");
    const namespace = { apiVersion: "v1", kind: "Namespace", metadata: { name: "apps" } };
    expect((await recorder.info(namespace, "R", "m")).webhook).toBe("skipped");
    const silent = new EventRecorder({ reportingController: "c", webhook: fast });
    expect((await silent.info(gitRepository, "R", "m")).webhook).toBe("skipped");
    expect(receiver.requests).toHaveLength(0);
  });

  it("never sends credentials found in messages or metadata", async () => {
    const recorder = new EventRecorder({ reportingController: "c", eventsAddr: receiver.url, webhook: fast });
    await recorder.error(gitRepository, "GitOperationFailed", "clone https://bot:s3cr3t-t0ken@git.example.com/r.git", {
      url: "https://bot:s3cr3t-t0ken@git.example.com/r.git",
    });
    const body = receiver.requests[0]?.body.toString() ?? "";
    expect(body).not.toContain("s3cr3t");
    expect(body).toContain("https://***@git.example.com/r.git");
  });

  it("truncates long messages to 39000 characters", async () => {
    const recorder = new EventRecorder({ reportingController: "c", eventsAddr: receiver.url, webhook: fast });
    await recorder.error(gitRepository, "BuildFailed", "e".repeat(45_000));
    expect(posted()[0]?.message).toHaveLength(39_000);
  });

  it("rejects a malformed --events-addr at construction", () => {
    expect(() => new EventRecorder({ reportingController: "c", eventsAddr: "not a url" })).toThrow();
  });
});

describe("EventRecorder → Kubernetes Events", () => {
  let cluster: EmbeddedTestCluster;
  let client: KubeClient;
  let clock: number;

  beforeAll(async () => {
    cluster = await startEmbeddedCluster();
    client = KubeClient.fromKubeConfig(cluster.kubeConfig, { rateLimit: false });
    await ensureNamespaces(cluster.client, "flux-system");
  });

  afterAll(async () => {
    client?.close();
    await cluster?.stop();
  });

  afterEach(async () => {
    await deleteEvents();
  });

  /** Deletes every Event in flux-system (as their TTL would). */
  async function deleteEvents(): Promise<void> {
    for (const e of await stored()) {
      await cluster.client.delete({ apiVersion: "v1", kind: "Event", namespace: "flux-system", name: e.metadata.name });
    }
  }

  const recorder = (kubeEvents = {}) => {
    clock = Date.parse("2025-06-01T00:00:00Z");
    return new EventRecorder({
      reportingController: "kustomize-controller",
      group: "kustomize.toolkit.fluxcd.io",
      client,
      reportingInstance: "kc-0",
      kubeEvents,
      now: () => new Date(clock),
    });
  };
  const stored = async (): Promise<Array<UnstructuredObject & { metadata: { name: string } }>> =>
    (await cluster.client.list("v1", "Event", { namespace: "flux-system" })).items as Array<
      UnstructuredObject & { metadata: { name: string } }
    >;

  it("writes a core/v1 Event describing the object", async () => {
    const outcome = await recorder().error(gitRepository, "ArtifactFailed", "artifact not found", { revision: "r1" });
    expect(outcome).toEqual({ kubeEvent: "created", webhook: "skipped" });
    const [event, ...others] = await stored();
    expect(others).toEqual([]);
    expect(event).toMatchObject({
      apiVersion: "v1",
      kind: "Event",
      metadata: {
        namespace: "flux-system",
        annotations: {
          "kustomize.toolkit.fluxcd.io/revision": "r1",
          "event.toolkit.fluxcd.io/team": "platform",
        },
      },
      involvedObject: {
        apiVersion: "source.toolkit.fluxcd.io/v1",
        kind: "GitRepository",
        name: "podinfo",
        namespace: "flux-system",
        uid: "5d1a9e1c-0000-4000-8000-000000000001",
        resourceVersion: "17",
      },
      type: "Warning",
      reason: "ArtifactFailed",
      message: "artifact not found",
      source: { component: "kustomize-controller", host: "kc-0" },
      reportingComponent: "kustomize-controller",
      reportingInstance: "kc-0",
      firstTimestamp: "2025-06-01T00:00:00Z",
      lastTimestamp: "2025-06-01T00:00:00Z",
      count: 1,
    });
    expect(event?.metadata.name).toMatch(/^podinfo\.[0-9a-f]+$/);
  });

  it("counts identical events on one Event instead of repeating them", async () => {
    const r = recorder();
    await r.info(gitRepository, "ReconciliationSucceeded", "applied revision r1");
    clock += 60_000;
    expect((await r.info(gitRepository, "ReconciliationSucceeded", "applied revision r1")).kubeEvent).toBe("updated");
    clock += 60_000;
    await r.info(gitRepository, "ReconciliationSucceeded", "applied revision r1");
    expect(await stored()).toHaveLength(1);
    expect((await stored())[0]).toMatchObject({
      count: 3,
      firstTimestamp: "2025-06-01T00:00:00Z",
      lastTimestamp: "2025-06-01T00:02:00Z",
      type: "Normal",
    });
    await r.info(gitRepository, "ReconciliationSucceeded", "applied revision r2");
    expect(await stored()).toHaveLength(2);
  });

  it("serializes concurrent identical events into one counted Event", async () => {
    const r = recorder();
    await Promise.all(Array.from({ length: 5 }, () => r.info(gitRepository, "Same", "same message")));
    const events = await stored();
    expect(events).toHaveLength(1);
    expect(events[0]?.["count"]).toBe(5);
  });

  it("writes the Event anew, keeping its count, when the counted one has expired", async () => {
    const r = recorder();
    await r.info(gitRepository, "R", "m");
    await r.info(gitRepository, "R", "m");
    await deleteEvents(); // TTL expiry
    expect((await r.info(gitRepository, "R", "m")).kubeEvent).toBe("created");
    const events = await stored();
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ count: 3 });
  });

  it("combines a burst of similar events (same reason, different messages)", async () => {
    const r = recorder({ maxSimilar: 3, spamFilter: false });
    for (let i = 1; i <= 6; i++) await r.info(gitRepository, "Progressing", `step ${i}`);
    const events = await stored();
    // three distinct events, then one combined event counting the rest
    expect(events).toHaveLength(4);
    const combined = events.find((e) => String(e["message"]).startsWith("(combined from similar events): "));
    expect(combined).toMatchObject({ message: "(combined from similar events): step 6", count: 3 });
  });

  it("drops an event storm past the per-object budget and refills over time", async () => {
    const r = recorder({ spamFilter: { burst: 3, refillMs: 60_000 } });
    const outcomes = [];
    for (let i = 0; i < 5; i++) outcomes.push((await r.info(gitRepository, "R", `m${i}`)).kubeEvent);
    expect(outcomes).toEqual(["created", "created", "created", "dropped", "dropped"]);
    clock += 60_000;
    expect((await r.info(gitRepository, "R", "later")).kubeEvent).toBe("created");
  });

  it("logs a failed write and does not throw", async () => {
    // Credentials the API server does not accept: every request is refused with 401 Unauthorized.
    const kubeConfig = new KubeConfig();
    kubeConfig.loadFromOptions({
      clusters: [{ name: "x", server: cluster.server.url, skipTLSVerify: true }],
      users: [{ name: "x", token: "not-the-token" }],
      contexts: [{ name: "x", cluster: "x", user: "x" }],
      currentContext: "x",
    });
    const unauthorized = KubeClient.fromKubeConfig(kubeConfig, { rateLimit: false });
    try {
      const logger = collectingLogger();
      const r = new EventRecorder({ reportingController: "c", client: unauthorized, logger });
      const outcome = await r.info(gitRepository, "R", "m");
      expect(outcome.kubeEvent).toBe("failed");
      expect(logger.entries).toHaveLength(1);
      expect(logger.entries[0]?.msg).toBe("unable to write Kubernetes event");
      expect(logger.entries[0]?.obj["object"]).toBe("GitRepository/flux-system/podinfo");
      expect(logger.entries[0]?.obj["err"]).toMatchObject({ name: "ApiError", status: 401, reason: "Unauthorized" });
      expect(await stored()).toEqual([]);
    } finally {
      unauthorized.close();
    }
  });
});
