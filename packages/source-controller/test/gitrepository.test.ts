// The GitRepository controller end to end: the embedded API server with the chart's CRDs, the
// source-controller started with createSourceController, and real Git servers (`git http-backend`).

import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { Condition, GitRepository } from "@sluice/api";
import type { UnstructuredObject } from "@sluice/runtime";
import { pino } from "pino";
import { t as listTar } from "tar";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createSourceController, type SourceController } from "../src/index.js";
import { type ApiCluster, applyChartCrds, ensureNamespace, startApiCluster } from "./support/api-cluster.js";
import { type EventSink, startEventSink } from "./support/event-sink.js";
import { createFixtureRepo, type FixtureRepo } from "./support/git-fixtures.js";
import { type GitHttpServer, startGitHttpServer } from "./support/git-http-server.js";
import { tempDir } from "./support/tree.js";

const API = "source.toolkit.fluxcd.io/v1";
const NS = "flux-test";
const USER = "git-user";
const PASSWORD = "s3cr3t-Pa55word";

let root: { path: string; remove: () => Promise<void> };
let cluster: ApiCluster;
let open: GitHttpServer;
let guarded: GitHttpServer;
let sink: EventSink;
let controller: SourceController;
let storagePath: string;
let app: FixtureRepo;
const abort = new AbortController();
let running: Promise<void>;

beforeAll(async () => {
  root = await tempDir("sc-gitrepo-int-");
  storagePath = join(root.path, "storage");
  app = await createFixtureRepo(join(root.path, "repos"), "app");
  await app.commit(
    {
      "deploy/app.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: app\n",
      "README.md": "hello\n",
      ".sourceignore": "# local rules\nscratch/\n*.secret\n",
      "scratch/notes.txt": "not shipped\n",
      "deploy/token.secret": "not shipped either\n",
    },
    "first commit",
  );
  await app.push();
  const other = await createFixtureRepo(join(root.path, "repos"), "other");
  await other.commit({ "main.yaml": "a: 1\n" }, "other first");
  await other.push();

  open = await startGitHttpServer({ root: join(root.path, "repos") });
  guarded = await startGitHttpServer({
    root: join(root.path, "repos"),
    auth: { type: "basic", username: USER, password: PASSWORD },
  });
  sink = await startEventSink();
  cluster = await startApiCluster();
  await applyChartCrds(cluster.client, "source.toolkit.fluxcd.io_");
  await ensureNamespace(cluster.client, NS);

  controller = createSourceController({
    kubeConfig: cluster.kubeConfig,
    storagePath,
    storageAddr: "127.0.0.1:0",
    metricsAddr: "127.0.0.1:0",
    healthAddr: "127.0.0.1:0",
    eventsAddr: sink.url,
    concurrency: 2,
    retryDelay: { min: 200, max: 2_000 },
    rateLimit: false,
    logger: pino({ level: "silent" }),
  });
  running = controller.start(abort.signal);
  await controller.ready();
}, 60_000);

afterAll(async () => {
  abort.abort();
  await running?.catch(() => undefined);
  await cluster?.stop();
  await open?.stop();
  await guarded?.stop();
  await sink?.stop();
  await root?.remove();
});

function ref(name: string) {
  return { apiVersion: API, kind: "GitRepository", namespace: NS, name };
}

async function createRepo(name: string, spec: Record<string, unknown>): Promise<void> {
  await cluster.client.create({
    apiVersion: API,
    kind: "GitRepository",
    metadata: { namespace: NS, name },
    spec: { interval: "10m", ...spec },
  } as UnstructuredObject);
}

async function get(name: string): Promise<GitRepository> {
  return cluster.client.get<GitRepository>(ref(name));
}

function condition(obj: GitRepository, type: string): Condition | undefined {
  return obj.status?.conditions?.find((c) => c.type === type);
}

/** Polls the object until `check` holds (returns it) or the time is up (fails with the last status). */
async function waitFor(
  name: string,
  check: (obj: GitRepository) => boolean,
  what: string,
  ms = 30_000,
): Promise<GitRepository> {
  const deadline = Date.now() + ms;
  let last: GitRepository | undefined;
  for (;;) {
    last = await cluster.client.getOptional<GitRepository>(ref(name));
    if (last && check(last)) return last;
    if (Date.now() > deadline) {
      throw new Error(`timed out waiting for ${name}: ${what}; status: ${JSON.stringify(last?.status)}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
}

const isReady = (obj: GitRepository) =>
  condition(obj, "Ready")?.status === "True" && obj.status?.observedGeneration === obj.metadata.generation;

async function requestReconcile(name: string): Promise<string> {
  const at = new Date().toISOString();
  await cluster.client.patch(
    ref(name),
    { metadata: { annotations: { "reconcile.fluxcd.io/requestedAt": at } } },
    { type: "application/merge-patch+json" },
  );
  return at;
}

async function kubeEvents(name: string): Promise<UnstructuredObject[]> {
  const list = await cluster.client.list<UnstructuredObject>("v1", "Event", { namespace: NS });
  return list.items.filter((e) => (e["involvedObject"] as { name?: string } | undefined)?.name === name);
}

async function download(url: string): Promise<Buffer> {
  const res = await fetch(url);
  expect(res.status).toBe(200);
  return Buffer.from(await res.arrayBuffer());
}

async function archiveEntries(data: Buffer): Promise<string[]> {
  const file = join(root.path, `archive-${Date.now()}-${Math.random()}.tar.gz`);
  await writeFile(file, data);
  const entries: string[] = [];
  await listTar({ file, onReadEntry: (e) => entries.push(e.path) });
  return entries.sort();
}

describe("GitRepository controller", () => {
  it("stores an artifact with Flux's revision, digest and URL, served over HTTP, honouring .sourceignore", async () => {
    const head = await app.git(["rev-parse", "HEAD"]);
    await createRepo("app", { url: open.url("app.git"), ref: { branch: "master" } });
    const obj = await waitFor("app", isReady, "Ready");

    expect(obj.metadata.finalizers).toContain("finalizers.fluxcd.io");
    const artifact = obj.status?.artifact;
    expect(artifact?.revision).toBe(`master@sha1:${head}`);
    expect(artifact?.path).toBe(`gitrepository/${NS}/app/${head}.tar.gz`);
    const { advertisedAddress } = await controller.ready();
    expect(artifact?.url).toBe(`http://${advertisedAddress}/gitrepository/${NS}/app/${head}.tar.gz`);
    expect(artifact?.digest).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(artifact?.lastUpdateTime).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    expect(condition(obj, "Ready")).toMatchObject({
      reason: "Succeeded",
      message: `stored artifact for revision 'master@sha1:${head}'`,
    });
    expect(condition(obj, "ArtifactInStorage")).toMatchObject({ status: "True", reason: "Succeeded" });
    expect(condition(obj, "Reconciling")).toBeUndefined();
    expect(obj.status?.observedIgnore).toBeUndefined();

    const data = await download(artifact?.url ?? "");
    expect(data.length).toBe(artifact?.size);
    expect(`sha256:${createHash("sha256").update(data).digest("hex")}`).toBe(artifact?.digest);
    const entries = await archiveEntries(data);
    expect(entries).toContain("deploy/app.yaml");
    expect(entries).toContain("README.md");
    expect(entries).toContain(".sourceignore");
    expect(entries.filter((e) => e.startsWith("scratch") || e.endsWith(".secret") || e.startsWith(".git/"))).toEqual(
      [],
    );

    // A NewArtifact event, as a Kubernetes Event and forwarded to --events-addr, with Flux's metadata keys.
    const waitEvent = async () => {
      const deadline = Date.now() + 10_000;
      for (;;) {
        const events = await kubeEvents("app");
        const found = events.find((e) => e["reason"] === "NewArtifact");
        if (found && sink.events.some((e) => e.reason === "NewArtifact" && e.involvedObject.name === "app"))
          return found;
        if (Date.now() > deadline) throw new Error("no NewArtifact event");
        await new Promise((r) => setTimeout(r, 50));
      }
    };
    const kubeEvent = await waitEvent();
    expect(kubeEvent["message"]).toBe("stored artifact for commit 'first commit'");
    expect((kubeEvent["metadata"] as { annotations?: Record<string, string> }).annotations).toMatchObject({
      "source.toolkit.fluxcd.io/revision": artifact?.revision,
      "source.toolkit.fluxcd.io/digest": artifact?.digest,
    });
    const forwarded = sink.events.find((e) => e.reason === "NewArtifact" && e.involvedObject.name === "app");
    expect(forwarded).toMatchObject({
      severity: "info",
      reportingController: "source-controller",
      message: "stored artifact for commit 'first commit'",
      metadata: {
        "source.toolkit.fluxcd.io/revision": artifact?.revision,
        "source.toolkit.fluxcd.io/digest": artifact?.digest,
      },
    });
  });

  it("rebuilds the artifact for a pushed commit when a reconcile is requested", async () => {
    const before = await waitFor("app", isReady, "Ready");
    const head = await app.commit({ "deploy/app.yaml": "apiVersion: v1\nkind: ConfigMap\n# v2\n" }, "second commit");
    await app.push();
    const at = await requestReconcile("app");
    const obj = await waitFor(
      "app",
      (o) => o.status?.lastHandledReconcileAt === at && o.status?.artifact?.revision === `master@sha1:${head}`,
      "new revision",
    );
    expect(obj.status?.artifact?.path).toBe(`gitrepository/${NS}/app/${head}.tar.gz`);
    expect(obj.status?.artifact?.digest).not.toBe(before.status?.artifact?.digest);
    expect(condition(obj, "Ready")).toMatchObject({
      status: "True",
      message: `stored artifact for revision 'master@sha1:${head}'`,
    });
    const data = await download(obj.status?.artifact?.url ?? "");
    expect(`sha256:${createHash("sha256").update(data).digest("hex")}`).toBe(obj.status?.artifact?.digest);
    // The previous artifact is kept (retention of 2 records within the TTL) next to the new one.
    expect(existsSync(join(storagePath, before.status?.artifact?.path ?? "missing"))).toBe(true);
  });

  it("does not clone when the remote still points at the stored commit", async () => {
    const before = await waitFor("app", isReady, "Ready");
    open.reset();
    const at = await requestReconcile("app");
    const obj = await waitFor("app", (o) => o.status?.lastHandledReconcileAt === at && isReady(o), "handled");
    expect(obj.status?.artifact).toEqual(before.status?.artifact);
    const commands = open.commands();
    expect(commands).toContain("ls-refs");
    expect(commands).not.toContain("fetch");
  });

  it("rebuilds without a new commit when spec.ignore changes", async () => {
    const before = await waitFor("app", isReady, "Ready");
    const patched = await cluster.client.patch<GitRepository>(
      ref("app"),
      { spec: { ignore: "README.md\n" } },
      { type: "application/merge-patch+json" },
    );
    const obj = await waitFor(
      "app",
      (o) =>
        isReady(o) && o.metadata.generation === patched.metadata.generation && o.status?.observedIgnore !== undefined,
      "ignore observed",
    );
    expect(obj.status?.observedIgnore).toBe("README.md\n");
    expect(obj.status?.artifact?.revision).toBe(before.status?.artifact?.revision);
    expect(obj.status?.artifact?.digest).not.toBe(before.status?.artifact?.digest);
    const entries = await archiveEntries(await download(obj.status?.artifact?.url ?? ""));
    expect(entries).not.toContain("README.md");
    expect(entries).toContain("deploy/app.yaml");
  });

  it("authenticates with the secretRef's basic credentials", async () => {
    await cluster.client.create({
      apiVersion: "v1",
      kind: "Secret",
      metadata: { namespace: NS, name: "git-good" },
      data: {
        username: Buffer.from(USER).toString("base64"),
        password: Buffer.from(PASSWORD).toString("base64"),
      },
    });
    await createRepo("guarded", { url: guarded.url("app.git"), secretRef: { name: "git-good" } });
    const obj = await waitFor("guarded", isReady, "Ready");
    expect(obj.status?.artifact?.revision).toMatch(/^master@sha1:[0-9a-f]{40}$/);
  });

  it("reports a wrong password as AuthenticationFailed without leaking the credential", async () => {
    const wrong = "wrong-Pa55word-xyz";
    await cluster.client.create({
      apiVersion: "v1",
      kind: "Secret",
      metadata: { namespace: NS, name: "git-bad" },
      data: { username: Buffer.from(USER).toString("base64"), password: Buffer.from(wrong).toString("base64") },
    });
    await createRepo("badauth", { url: guarded.url("app.git"), secretRef: { name: "git-bad" } });
    const obj = await waitFor("badauth", (o) => condition(o, "Ready")?.status === "False", "Ready=False");
    const ready = condition(obj, "Ready");
    expect(ready?.reason).toBe("AuthenticationFailed");
    expect(ready?.message).toContain("failed to checkout and determine revision");
    expect(ready?.message).toContain(guarded.url("app.git"));
    expect(ready?.message).toContain("authentication failed: the server rejected the configured credentials");
    expect(condition(obj, "FetchFailed")).toMatchObject({ status: "True", reason: "AuthenticationFailed" });
    expect(obj.status?.artifact).toBeUndefined();

    const deadline = Date.now() + 10_000;
    let warnings: UnstructuredObject[] = [];
    while (warnings.length === 0 && Date.now() < deadline) {
      warnings = (await kubeEvents("badauth")).filter((e) => e["type"] === "Warning");
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(warnings[0]?.["reason"]).toBe("AuthenticationFailed");
    const everything = JSON.stringify([obj, await kubeEvents("badauth"), sink.events]);
    expect(everything).not.toContain(wrong);
    expect(everything).not.toContain(PASSWORD);
    expect(everything).not.toContain(Buffer.from(`${USER}:${wrong}`).toString("base64"));
  });

  it("reports a missing secret as AuthenticationFailed naming the secret", async () => {
    await createRepo("nosecret", { url: guarded.url("app.git"), secretRef: { name: "does-not-exist" } });
    const obj = await waitFor("nosecret", (o) => condition(o, "Ready")?.status === "False", "Ready=False");
    expect(condition(obj, "Ready")?.reason).toBe("AuthenticationFailed");
    expect(condition(obj, "Ready")?.message).toContain(`failed to get secret '${NS}/does-not-exist'`);
  });

  it("reports a missing branch as GitOperationFailed naming the branch", async () => {
    await createRepo("nobranch", { url: open.url("app.git"), ref: { branch: "does-not-exist" } });
    const obj = await waitFor("nobranch", (o) => condition(o, "Ready")?.status === "False", "Ready=False");
    const ready = condition(obj, "Ready");
    expect(ready?.reason).toBe("GitOperationFailed");
    expect(ready?.message).toContain("does-not-exist");
    expect(condition(obj, "FetchFailed")?.status).toBe("True");
    expect(condition(obj, "Reconciling")).toMatchObject({ status: "True", reason: "ProgressingWithRetry" });
  });

  it("stalls on an invalid semver range without retrying", async () => {
    await createRepo("badsemver", { url: open.url("app.git"), ref: { semver: "not a range ~>" } });
    const obj = await waitFor("badsemver", (o) => condition(o, "Stalled")?.status === "True", "Stalled");
    expect(condition(obj, "Ready")?.status).toBe("False");
    expect(obj.status?.observedGeneration).toBe(obj.metadata.generation);
  });

  it("includes another GitRepository's artifact at toPath", async () => {
    await createRepo("other", { url: open.url("other.git") });
    await waitFor("other", isReady, "Ready");
    await createRepo("combined", {
      url: open.url("app.git"),
      include: [{ repository: { name: "other" }, toPath: "vendor/other" }],
    });
    const obj = await waitFor("combined", isReady, "Ready");
    expect(obj.status?.observedInclude).toEqual([{ repository: { name: "other" }, toPath: "vendor/other" }]);
    expect(obj.status?.includedArtifacts?.[0]?.revision).toMatch(/^master@sha1:/);
    const entries = await archiveEntries(await download(obj.status?.artifact?.url ?? ""));
    expect(entries).toContain("vendor/other/main.yaml");
    expect(entries).toContain("deploy/app.yaml");
  });

  it("stops reconciling a suspended object", async () => {
    const source = await createFixtureRepo(join(root.path, "repos"), "paused-source");
    await source.commit({ "a.yaml": "a: 1\n" }, "before suspension");
    await source.push();
    await createRepo("paused", { url: open.url("paused-source.git") });
    const before = await waitFor("paused", isReady, "Ready");
    const suspended = await cluster.client.patch<GitRepository>(
      ref("paused"),
      { spec: { suspend: true } },
      { type: "application/merge-patch+json" },
    );
    expect(suspended.metadata.generation).toBeGreaterThan(before.metadata.generation ?? 0);
    await source.commit({ "a.yaml": "a: 2\n" }, "while suspended");
    await source.push();
    open.reset();
    const at = await requestReconcile("paused");
    const obj = await waitFor("paused", (o) => o.status?.lastHandledReconcileAt === at, "request handled");
    await new Promise((r) => setTimeout(r, 300));
    expect(obj.status?.artifact).toEqual(before.status?.artifact);
    expect(open.requests.filter((r) => r.path.startsWith("/paused-source.git"))).toEqual([]);
    expect((await get("paused")).status?.artifact).toEqual(before.status?.artifact);
  });

  it("removes the storage directory and the finalizer when the object is deleted", async () => {
    const obj = await waitFor("app", isReady, "Ready");
    const dir = join(storagePath, "gitrepository", NS, "app");
    expect(existsSync(join(storagePath, obj.status?.artifact?.path ?? "missing"))).toBe(true);
    await cluster.client.delete(ref("app"));
    const deadline = Date.now() + 30_000;
    while ((await cluster.client.getOptional(ref("app"))) !== undefined) {
      if (Date.now() > deadline) throw new Error("GitRepository app was not deleted");
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(existsSync(dir)).toBe(false);
  });
});
