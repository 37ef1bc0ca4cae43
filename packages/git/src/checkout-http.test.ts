import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import {
  createFixtureRepo,
  type FixtureRepo,
  type GitHttpServer,
  git,
  startGitHttpServer,
  tempDir,
} from "@sluice/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { checkout, resolveRemoteReference } from "./checkout.js";
import { GitError, GitErrorKind } from "./errors.js";
import type { CheckoutOptions } from "./types.js";

let root: string;
let removeRoot: () => Promise<void>;
let repo: FixtureRepo;
let server: GitHttpServer;
let slowServer: GitHttpServer;
let counter = 0;
const commits: Record<string, string> = {};

async function co(options: Omit<CheckoutOptions, "dir">) {
  return checkout({ dir: join(root, "checkouts", String(counter++)), ...options });
}

async function failure(options: Omit<CheckoutOptions, "dir">): Promise<GitError> {
  const err = await co(options).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(GitError);
  return err as GitError;
}

beforeAll(async () => {
  const d = await tempDir("sc-git-http-");
  root = d.path;
  removeRoot = d.remove;
  repo = await createFixtureRepo(join(root, "repos"), "app");
  commits["c1"] = await repo.commit({ "deploy/app.yaml": "kind: ConfigMap\n", "README.md": "one\n" }, "first commit");
  await repo.tag("v1.0.0");
  commits["c2"] = await repo.commit({ "README.md": "two\n" }, "second commit");
  await repo.tag("v1.1.0", "release 1.1.0");
  await repo.tag("v2.0.0-rc.1");
  await repo.branch("feature/x");
  commits["feature"] = await repo.commit({ "feature.txt": "f\n" }, "feature work");
  await repo.git(["checkout", "-q", "master"]);
  await repo.push();
  await repo.git(["push", "-q", "origin", `${commits["feature"]}:refs/pull/1/head`]);
  await createFixtureRepo(join(root, "repos"), "empty");
  server = await startGitHttpServer({ root: join(root, "repos") });
  slowServer = await startGitHttpServer({ root: join(root, "repos"), delayMs: 3_000 });
});

afterAll(async () => {
  await server?.stop();
  await slowServer?.stop();
  await removeRoot?.();
});

describe("checkout over smart HTTP", () => {
  it("clones the default branch (master) shallowly with Flux's revision", async () => {
    server.reset();
    const r = await co({ url: server.url("app.git") });
    expect(r).toMatchObject({
      hash: commits["c2"],
      reference: "refs/heads/master",
      revision: `master@sha1:${commits["c2"]}`,
      skipped: false,
      subject: "second commit",
    });
    expect(r.operations).toEqual(["clone", "log"]);
    const dir = join(root, "checkouts", String(counter - 1));
    expect(await readFile(join(dir, "README.md"), "utf8")).toBe("two\n");
    expect(await git(dir, ["rev-parse", "--is-shallow-repository"])).toBe("true");
    expect(await git(dir, ["tag", "--list"])).toBe("");
    expect(server.commands()).toEqual(["ls-refs", "fetch"]);
  });

  it("checks out a named branch", async () => {
    const r = await co({ url: server.url("app.git"), reference: { branch: "feature/x" } });
    expect(r.revision).toBe(`feature/x@sha1:${commits["feature"]}`);
  });

  it.each([
    ["v1.0.0", "c1", false],
    ["v1.1.0", "c2", true],
  ])("checks out tag %s (annotated: %s) at its commit", async (tag, commit, annotated) => {
    const r = await co({ url: server.url("app.git"), reference: { tag } });
    expect(r).toMatchObject({ revision: `${tag}@sha1:${commits[commit]}`, tag, reference: `refs/tags/${tag}` });
    const dir = join(root, "checkouts", String(counter - 1));
    expect(await git(dir, ["cat-file", "-t", `refs/tags/${tag}`])).toBe(annotated ? "tag" : "commit");
  });

  it.each([
    [">=1.0.0 <2.0.0", "v1.1.0", "c2"],
    [">=1.0.0, <1.1.0", "v1.0.0", "c1"],
    ["1.x", "v1.1.0", "c2"],
    ["~1.0", "v1.0.0", "c1"],
    [">=2.0.0-rc.0", "v2.0.0-rc.1", "c2"],
  ])("resolves semver %j to %s", async (semver, tag, commit) => {
    const r = await co({ url: server.url("app.git"), reference: { semver } });
    expect(r.revision).toBe(`${tag}@sha1:${commits[commit]}`);
  });

  it("gives precedence commit > name > semver > tag > branch", async () => {
    const all = { branch: "feature/x", tag: "v1.0.0", semver: "1.x", name: "refs/pull/1/head" };
    expect((await co({ url: server.url("app.git"), reference: { ...all, commit: commits["c1"] } })).revision).toBe(
      `feature/x@sha1:${commits["c1"]}`,
    );
    expect((await co({ url: server.url("app.git"), reference: all })).revision).toBe(
      `refs/pull/1/head@sha1:${commits["feature"]}`,
    );
    const { name: _n, ...noName } = all;
    expect((await co({ url: server.url("app.git"), reference: noName })).revision).toBe(`v1.1.0@sha1:${commits["c2"]}`);
    expect((await co({ url: server.url("app.git"), reference: { tag: "v1.0.0", branch: "x" } })).revision).toBe(
      `v1.0.0@sha1:${commits["c1"]}`,
    );
  });

  it("checks out a full reference name and keeps it whole in the revision", async () => {
    const r = await co({ url: server.url("app.git"), reference: { name: "refs/pull/1/head" } });
    expect(r).toMatchObject({ revision: `refs/pull/1/head@sha1:${commits["feature"]}`, reference: "refs/pull/1/head" });
    const tagRef = await co({ url: server.url("app.git"), reference: { name: "refs/tags/v1.1.0" } });
    expect(tagRef.revision).toBe(`refs/tags/v1.1.0@sha1:${commits["c2"]}`);
    const branchRef = await co({ url: server.url("app.git"), reference: { name: "refs/heads/master" } });
    expect(branchRef.revision).toBe(`refs/heads/master@sha1:${commits["c2"]}`);
  });

  it("checks out a commit shallowly by hash, with or without branch", async () => {
    server.reset();
    const bare = await co({ url: server.url("app.git"), reference: { commit: commits["c1"] } });
    expect(bare).toMatchObject({ revision: `sha1:${commits["c1"]}`, reference: undefined, subject: "first commit" });
    expect(server.commands()).toEqual(["fetch"]);
    const dir = join(root, "checkouts", String(counter - 1));
    expect(await git(dir, ["rev-parse", "--is-shallow-repository"])).toBe("true");
    const withBranch = await co({ url: server.url("app.git"), reference: { commit: commits["c1"], branch: "master" } });
    expect(withBranch.revision).toBe(`master@sha1:${commits["c1"]}`);
  });

  it("does not clone when the remote still points at the stored revision (one ls-remote)", async () => {
    const first = await co({ url: server.url("app.git"), reference: { branch: "master" } });
    server.reset();
    const again = await co({ url: server.url("app.git"), lastObservedRevision: first.revision });
    expect(again).toMatchObject({ skipped: true, revision: first.revision, hash: first.hash });
    expect(again.operations).toEqual(["ls-remote"]);
    expect(server.commands()).toEqual(["ls-refs"]);
    expect(await readdir(join(root, "checkouts", String(counter - 1)))).toEqual([]);

    // Legacy revision formats of the stored artifact are understood too.
    const legacy = await co({ url: server.url("app.git"), lastObservedRevision: `master/${first.hash}` });
    expect(legacy.skipped).toBe(true);

    for (const reference of [{ tag: "v1.1.0" }, { semver: "1.x" }, { name: "refs/pull/1/head" }]) {
      const r = await co({ url: server.url("app.git"), reference });
      const skip = await co({ url: server.url("app.git"), reference, lastObservedRevision: r.revision });
      expect(skip).toMatchObject({ skipped: true, revision: r.revision, operations: ["ls-remote"] });
    }
    const pinned = await co({
      url: server.url("app.git"),
      reference: { commit: commits["c1"] },
      lastObservedRevision: `sha1:${commits["c1"]}`,
    });
    expect(pinned).toMatchObject({ skipped: true, operations: [] });
  });

  it("picks up a pushed commit after an unchanged check", async () => {
    const other = await createFixtureRepo(join(root, "repos"), "moving", "main");
    const c1 = await other.commit({ "a.txt": "1" });
    await other.push();
    const first = await co({ url: server.url("moving.git"), reference: { branch: "main" } });
    expect(first.revision).toBe(`main@sha1:${c1}`);
    const c2 = await other.commit({ "a.txt": "2" }, "update a");
    await other.push();
    const next = await co({
      url: server.url("moving.git"),
      reference: { branch: "main" },
      lastObservedRevision: first.revision,
    });
    expect(next).toMatchObject({ skipped: false, revision: `main@sha1:${c2}`, subject: "update a" });
    expect(next.operations).toEqual(["ls-remote", "clone", "log"]);
  });

  it("checks out only the sparse directories, by branch, tag and commit", async () => {
    const mono = await createFixtureRepo(join(root, "repos"), "mono");
    const commit = await mono.commit({
      "README.md": "root\n",
      "apps/web/deploy.yaml": "web\n",
      "apps/api/deploy.yaml": "api\n",
      "infra/base.yaml": "infra\n",
    });
    await mono.tag("v1.0.0");
    await mono.push();
    const url = server.url("mono.git");
    for (const reference of [{ branch: "master" }, { tag: "v1.0.0" }, { commit }]) {
      const dir = join(root, "checkouts", String(counter));
      const r = await co({ url, reference, sparseCheckout: ["./apps/web/", "infra"] });
      expect(r.hash).toBe(commit);
      expect(r.operations).toContain("sparse-checkout");
      expect(await readFile(join(dir, "apps/web/deploy.yaml"), "utf8")).toBe("web\n");
      expect(await readFile(join(dir, "infra/base.yaml"), "utf8")).toBe("infra\n");
      expect(await readFile(join(dir, "README.md"), "utf8")).toBe("root\n");
      expect(await readdir(join(dir, "apps"))).toEqual(["web"]);
    }
    const err = await failure({ url, sparseCheckout: ["apps/missing"] });
    expect(err.message).toMatch(/sparse checkout dir 'apps\/missing' does not exist in repository/);
    const bad = await failure({ url, sparseCheckout: ["../etc"] });
    expect(bad.kind).toBe(GitErrorKind.InvalidReference);
  });

  it("resolves the remote reference without a checkout", async () => {
    expect(await resolveRemoteReference({ url: server.url("app.git"), reference: { semver: "<1.1.0" } })).toEqual({
      reference: "refs/tags/v1.0.0",
      hash: commits["c1"],
      revision: `v1.0.0@sha1:${commits["c1"]}`,
    });
    expect((await resolveRemoteReference({ url: server.url("app.git") })).revision).toBe(
      `master@sha1:${commits["c2"]}`,
    );
  });
});

describe("checkout failures name the cause", () => {
  it.each([
    ["a missing branch", { branch: "nope" }, GitErrorKind.ReferenceNotFound, /branch 'nope' not found/],
    ["a missing tag", { tag: "v9.9.9" }, GitErrorKind.ReferenceNotFound, /tag 'v9.9.9' not found/],
    ["no semver match", { semver: ">=5.0.0" }, GitErrorKind.ReferenceNotFound, /no match found for semver: >=5.0.0/],
    [
      "a missing ref name",
      { name: "refs/pull/9/head" },
      GitErrorKind.ReferenceNotFound,
      /unable to resolve ref 'refs\/pull\/9\/head'/,
    ],
    [
      "a missing commit",
      { commit: "0123456789012345678901234567890123456789" },
      GitErrorKind.ReferenceNotFound,
      /unable to resolve commit object for '0123456789012345678901234567890123456789'/,
    ],
    ["an invalid semver range", { semver: "not a range!" }, GitErrorKind.InvalidReference, /semver parse error/],
    ["a ref name with a trailing slash", { name: "refs/heads/" }, GitErrorKind.InvalidReference, /cannot begin or end/],
  ])("%s", async (_name, reference, kind, message) => {
    const err = await failure({ url: server.url("app.git"), reference });
    expect(err.kind).toBe(kind);
    expect(err.reason).toBe("GitOperationFailed");
    expect(err.message).toMatch(message);
  });

  it("a branch name that is really a tag is not found", async () => {
    const err = await failure({ url: server.url("app.git"), reference: { branch: "v1.0.0" } });
    expect(err.kind).toBe(GitErrorKind.ReferenceNotFound);
  });

  it("a missing repository", async () => {
    const err = await failure({ url: server.url("nothere.git") });
    expect(err.kind).toBe(GitErrorKind.RepositoryNotFound);
    expect(err.message).toContain(server.url("nothere.git"));
  });

  it("an empty repository", async () => {
    const err = await failure({ url: server.url("empty.git") });
    expect(err.kind).toBe(GitErrorKind.EmptyRepository);
    expect(err.message).toMatch(/git repository is empty/);
  });

  it.each([["ftp://127.0.0.1/repo.git"], ["git@github.com:org/repo.git"], ["not a url"], ["https://"]])(
    "an invalid URL %j is URLInvalid",
    async (url) => {
      const err = await failure({ url });
      expect(err.kind).toBe(GitErrorKind.InvalidUrl);
      expect(err.reason).toBe("URLInvalid");
      expect(err.persistent).toBe(true);
    },
  );

  it("an unreachable server", async () => {
    const err = await failure({ url: "http://127.0.0.1:1/repo.git" });
    expect(err.kind).toBe(GitErrorKind.Network);
    expect(err.message).toMatch(/unable to clone 'http:\/\/127.0.0.1:1\/repo.git': .*(connect|refused)/i);
  });

  it("a timeout stops git", async () => {
    const started = Date.now();
    const err = await failure({ url: slowServer.url("app.git"), timeoutMs: 400 });
    expect(err.kind).toBe(GitErrorKind.Timeout);
    expect(err.message).toMatch(/timed out after 400ms/);
    expect(Date.now() - started).toBeLessThan(2_900);
  });

  it("an abort signal stops git", async () => {
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 200);
    const err = await failure({ url: slowServer.url("app.git"), signal: controller.signal });
    expect(err.kind).toBe(GitErrorKind.Timeout);
  });

  it("refuses a non-empty checkout directory", async () => {
    const d = await tempDir();
    await import("node:fs/promises").then((fs) => fs.writeFile(join(d.path, "x"), "x"));
    await expect(checkout({ url: server.url("app.git"), dir: d.path })).rejects.toThrow(/is not empty/);
    await d.remove();
  });
});
