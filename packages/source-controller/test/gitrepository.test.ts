// The GitRepository controller end to end: the embedded API server with the chart's CRDs, the
// source-controller started with createSourceController, and real Git servers (`git http-backend`).

import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import { rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { GitRepository } from "@sluice/api";
import type { UnstructuredObject } from "@sluice/runtime";
import {
  createFixtureRepo,
  createTestPki,
  type FixtureRepo,
  type GitHttpServer,
  startGitHttpServer,
  tempDir,
} from "@sluice/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type ControllerEnv,
  createSecret,
  downloadArtifact as download,
  kubeEventsFor,
  startControllerEnv,
  tarEntries,
} from "./support/controller-env.js";
import { conditionOf as condition, readyNow as isReady, sourceKind } from "./support/source-objects.js";

const NS = "flux-test";
const USER = "git-user";
const PASSWORD = "s3cr3t-Pa55word";

let root: { path: string; remove: () => Promise<void> };
let env: ControllerEnv;
let open: GitHttpServer;
let guarded: GitHttpServer;
let app: FixtureRepo;

beforeAll(async () => {
  root = await tempDir("sc-gitrepo-int-");
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
  env = await startControllerEnv(root.path, NS);
}, 60_000);

afterAll(async () => {
  await env?.stop();
  await open?.stop();
  await guarded?.stop();
  await root?.remove();
});

const {
  ref,
  get,
  waitFor,
  requestReconcile,
  create: createRepo,
} = sourceKind<GitRepository>(() => env, "GitRepository");
const kubeEvents = (name: string) => kubeEventsFor(env, name);
const archiveEntries = (data: Buffer) => tarEntries(data, root.path);

describe("GitRepository controller", () => {
  it("stores an artifact with Flux's revision, digest and URL, served over HTTP, honouring .sourceignore", async () => {
    const head = await app.git(["rev-parse", "HEAD"]);
    await createRepo("app", { url: open.url("app.git"), ref: { branch: "master" } });
    const obj = await waitFor("app", isReady, "Ready");

    expect(obj.metadata.finalizers).toContain("finalizers.fluxcd.io");
    const artifact = obj.status?.artifact;
    expect(artifact?.revision).toBe(`master@sha1:${head}`);
    expect(artifact?.path).toBe(`gitrepository/${NS}/app/${head}.tar.gz`);
    expect(artifact?.url).toBe(`http://${env.advertisedAddress}/gitrepository/${NS}/app/${head}.tar.gz`);
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
        if (found && env.sink.events.some((e) => e.reason === "NewArtifact" && e.involvedObject.name === "app"))
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
    const forwarded = env.sink.events.find((e) => e.reason === "NewArtifact" && e.involvedObject.name === "app");
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
    expect(existsSync(join(env.storagePath, before.status?.artifact?.path ?? "missing"))).toBe(true);
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
    const patched = await env.cluster.client.patch<GitRepository>(
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

  it("gives each reference type Flux's revision format", async () => {
    const refs = await createFixtureRepo(join(root.path, "repos"), "refs");
    const c1 = await refs.commit({ "a.yaml": "v: 1\n" }, "one");
    await refs.tag("v1.0.0");
    const c2 = await refs.commit({ "a.yaml": "v: 2\n" }, "two");
    await refs.tag("v1.1.0", "annotated release");
    await refs.branch("feature/x");
    const c3 = await refs.commit({ "b.yaml": "b: 1\n" }, "feature");
    await refs.git(["checkout", "-q", "master"]);
    await refs.push();
    await refs.git(["push", "-q", "origin", `${c3}:refs/pull/7/head`]);
    const url = open.url("refs.git");
    const cases: [string, Record<string, string>, string][] = [
      ["ref-branch", { branch: "feature/x" }, `feature/x@sha1:${c3}`],
      ["ref-tag", { tag: "v1.0.0" }, `v1.0.0@sha1:${c1}`],
      ["ref-semver", { semver: ">=1.0.0 <2.0.0" }, `v1.1.0@sha1:${c2}`],
      ["ref-name", { name: "refs/pull/7/head" }, `refs/pull/7/head@sha1:${c3}`],
      ["ref-commit", { commit: c1 }, `sha1:${c1}`],
      ["ref-commit-branch", { branch: "master", commit: c1 }, `master@sha1:${c1}`],
    ];
    for (const [name, reference] of cases) await createRepo(name, { url, ref: reference });
    for (const [name, , revision] of cases) {
      const obj = await waitFor(name, isReady, `${name} Ready`);
      expect(obj.status?.artifact?.revision, name).toBe(revision);
      await env.cluster.client.delete(ref(name));
    }
  });

  it("authenticates with the secretRef's basic credentials", async () => {
    await createSecret(env, "git-good", { username: USER, password: PASSWORD });
    await createRepo("guarded", { url: guarded.url("app.git"), secretRef: { name: "git-good" } });
    const obj = await waitFor("guarded", isReady, "Ready");
    expect(obj.status?.artifact?.revision).toMatch(/^master@sha1:[0-9a-f]{40}$/);
  });

  it("reports a wrong password as AuthenticationFailed without leaking the credential", async () => {
    const wrong = "wrong-Pa55word-xyz";
    await createSecret(env, "git-bad", { username: USER, password: wrong });
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
    const everything = JSON.stringify([obj, await kubeEvents("badauth"), env.sink.events]);
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

  it("stalls on settings it cannot honour (a cloud provider, a proxy secret) instead of ignoring them", async () => {
    await createRepo("azure", { url: open.url("app.git"), provider: "azure" });
    await createRepo("proxied", { url: open.url("app.git"), proxySecretRef: { name: "proxy" } });
    const azure = await waitFor("azure", (o) => condition(o, "Stalled")?.status === "True", "Stalled");
    expect(condition(azure, "Ready")).toMatchObject({ status: "False", reason: "InvalidProviderConfiguration" });
    expect(condition(azure, "Ready")?.message).toContain("provider 'azure' is not supported");
    const proxied = await waitFor("proxied", (o) => condition(o, "Stalled")?.status === "True", "Stalled");
    expect(condition(proxied, "Ready")?.message).toContain("failed to configure proxy options");
    expect(azure.status?.artifact).toBeUndefined();
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

  it("waits for an included GitRepository that does not exist yet (IncludeUnavailable), then includes it", async () => {
    await createRepo("waiter", {
      url: open.url("app.git"),
      include: [{ repository: { name: "later" }, fromPath: ".", toPath: "later" }],
    });
    const waiting = await waitFor(
      "waiter",
      (o) => condition(o, "IncludeUnavailable")?.status === "True",
      "IncludeUnavailable",
    );
    expect(condition(waiting, "IncludeUnavailable")?.reason).toBe("NotFound");
    expect(condition(waiting, "IncludeUnavailable")?.message).toContain("could not get resource for include 'later'");
    expect(condition(waiting, "Ready")).toMatchObject({ status: "False", reason: "NotFound" });
    expect(condition(waiting, "Stalled")).toBeUndefined();

    await createRepo("later", { url: open.url("other.git") });
    const obj = await waitFor("waiter", isReady, "Ready once the include has an artifact");
    expect(condition(obj, "IncludeUnavailable")).toBeUndefined();
    const entries = await archiveEntries(await download(obj.status?.artifact?.url ?? ""));
    expect(entries).toContain("later/main.yaml");
  });

  it("stops reconciling a suspended object", async () => {
    const source = await createFixtureRepo(join(root.path, "repos"), "paused-source");
    await source.commit({ "a.yaml": "a: 1\n" }, "before suspension");
    await source.push();
    await createRepo("paused", { url: open.url("paused-source.git") });
    const before = await waitFor("paused", isReady, "Ready");
    const suspended = await env.cluster.client.patch<GitRepository>(
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

  it("rebuilds an artifact that disappeared from storage", async () => {
    const before = await waitFor("app", isReady, "Ready");
    const file = join(env.storagePath, before.status?.artifact?.path ?? "missing");
    await rm(file);
    const at = await requestReconcile("app");
    const obj = await waitFor("app", (o) => o.status?.lastHandledReconcileAt === at && isReady(o), "rebuilt");
    expect(obj.status?.artifact?.revision).toBe(before.status?.artifact?.revision);
    expect(obj.status?.artifact?.digest).toBe(before.status?.artifact?.digest);
    expect(existsSync(file)).toBe(true);
  });

  it("replaces an artifact whose content no longer matches its digest, with a warning event", async () => {
    const before = await waitFor("app", isReady, "Ready");
    const file = join(env.storagePath, before.status?.artifact?.path ?? "missing");
    await writeFile(file, "tampered");
    const at = await requestReconcile("app");
    const obj = await waitFor("app", (o) => o.status?.lastHandledReconcileAt === at && isReady(o), "rebuilt");
    expect(obj.status?.artifact?.digest).toBe(before.status?.artifact?.digest);
    const data = await download(obj.status?.artifact?.url ?? "");
    expect(`sha256:${createHash("sha256").update(data).digest("hex")}`).toBe(before.status?.artifact?.digest);
    const warning = (await kubeEvents("app")).find((e) => e["reason"] === "ArtifactVerificationFailed");
    expect(warning?.["type"]).toBe("Warning");
    expect(warning?.["message"]).toContain("failed to verify integrity of artifact");
  });

  it("authenticates with a bearer token from the secretRef", async () => {
    const bearer = await startGitHttpServer({
      root: join(root.path, "repos"),
      auth: { type: "bearer", token: "t0ken-xyz" },
    });
    try {
      await createSecret(env, "git-bearer", { bearerToken: "t0ken-xyz" });
      await createRepo("bearer", { url: bearer.url("app.git"), secretRef: { name: "git-bearer" } });
      const obj = await waitFor("bearer", isReady, "Ready");
      expect(obj.status?.artifact?.revision).toMatch(/^master@sha1:[0-9a-f]{40}$/);
      expect(bearer.requests.some((r) => r.authorization === "Bearer t0ken-xyz")).toBe(true);
      await env.cluster.client.delete(ref("bearer"));
      const deadline = Date.now() + 30_000;
      while ((await env.cluster.client.getOptional(ref("bearer"))) !== undefined) {
        if (Date.now() > deadline) throw new Error("GitRepository bearer was not deleted");
        await new Promise((r) => setTimeout(r, 50));
      }
    } finally {
      await bearer.stop();
    }
  });

  it("trusts an HTTPS server through the secretRef's ca.crt and reports an unknown CA as GitOperationFailed", async () => {
    const pki = createTestPki();
    const https = await startGitHttpServer({
      root: join(root.path, "repos"),
      tls: { key: pki.serverKey, cert: pki.serverCert },
      auth: { type: "basic", username: USER, password: PASSWORD },
    });
    try {
      await createSecret(env, "git-tls", { username: USER, password: PASSWORD, "ca.crt": pki.caCert });
      await createRepo("tls", { url: https.url("other.git"), secretRef: { name: "git-tls" } });
      const obj = await waitFor("tls", isReady, "Ready");
      expect(obj.status?.artifact?.revision).toMatch(/^master@sha1:[0-9a-f]{40}$/);

      await createSecret(env, "git-tls-noca", { username: USER, password: PASSWORD });
      await createRepo("tls-noca", { url: https.url("other.git"), secretRef: { name: "git-tls-noca" } });
      const failed = await waitFor("tls-noca", (o) => condition(o, "Ready")?.status === "False", "Ready=False");
      expect(condition(failed, "Ready")?.reason).toBe("GitOperationFailed");
      expect(condition(failed, "Ready")?.message).toMatch(/certificate/i);
      for (const name of ["tls", "tls-noca"]) await env.cluster.client.delete(ref(name));
    } finally {
      await https.stop();
    }
  });

  it("removes the storage directory and the finalizer when the object is deleted", async () => {
    const obj = await waitFor("app", isReady, "Ready");
    const dir = join(env.storagePath, "gitrepository", NS, "app");
    expect(existsSync(join(env.storagePath, obj.status?.artifact?.path ?? "missing"))).toBe(true);
    await env.cluster.client.delete(ref("app"));
    const deadline = Date.now() + 30_000;
    while ((await env.cluster.client.getOptional(ref("app"))) !== undefined) {
      if (Date.now() > deadline) throw new Error("GitRepository app was not deleted");
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(existsSync(dir)).toBe(false);
  });
});
