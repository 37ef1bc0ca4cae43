import { execFile } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RollbackError, rollback } from "./rollback.js";
import type { FluxObject } from "./summarize.js";
import type { WatchHub } from "./watch-hub.js";

const run = promisify(execFile);
const env = {
  ...process.env,
  GIT_CONFIG_GLOBAL: "/dev/null",
  GIT_AUTHOR_NAME: "t",
  GIT_AUTHOR_EMAIL: "t@t",
  GIT_COMMITTER_NAME: "t",
  GIT_COMMITTER_EMAIL: "t@t",
};
const git = async (cwd: string, args: string[]) => (await run("git", args, { cwd, env })).stdout.trim();

let dir: string;
let bare: string;
let first: string;

const ks = {
  apiVersion: "kustomize.toolkit.fluxcd.io/v1",
  kind: "Kustomization",
  metadata: { name: "app", namespace: "ns" },
  spec: { sourceRef: { kind: "GitRepository", name: "repo" } },
} as unknown as FluxObject;
const hub = (url: string) =>
  ({
    object: () => ({
      apiVersion: "v1",
      kind: "GitRepository",
      metadata: { name: "repo" },
      spec: { url, ref: { branch: "main" } },
    }),
  }) as unknown as WatchHub;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "ui-rollback-test-"));
  bare = join(dir, "repo.git");
  await git(dir, ["init", "--quiet", "--bare", "--initial-branch=main", bare]);
  const work = join(dir, "work");
  await git(dir, ["clone", "--quiet", bare, work]);
  await git(work, ["checkout", "--quiet", "-b", "main"]);
  await writeFile(join(work, "a.txt"), "one\n");
  await git(work, ["add", "."]);
  await git(work, ["commit", "--quiet", "-m", "one"]);
  first = await git(work, ["rev-parse", "HEAD"]);
  for (const v of ["two", "three"]) {
    await writeFile(join(work, "a.txt"), `${v}\n`);
    await git(work, ["commit", "--quiet", "-am", v]);
  }
  await git(work, ["push", "--quiet", "origin", "main"]);
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("rollback", () => {
  it("answers the commands when the UI may not push", async () => {
    const answer = await rollback(hub(bare), ks, `main@sha1:${first}`, "alice", {});
    expect(answer.committed).toBe(false);
    expect(answer.commands).toContain(`git revert --no-edit --no-commit ${first}..HEAD`);
    expect(answer.commands.at(-1)).toBe("git push origin HEAD:main");
  });

  it("pushes one revert commit of everything after the revision", async () => {
    const answer = await rollback(hub(bare), ks, `main@sha1:${first}`, "alice", { pushUrls: [bare] });
    expect(answer.committed).toBe(true);
    const check = join(dir, "check");
    await git(dir, ["clone", "--quiet", "--branch", "main", bare, check]);
    expect(await git(check, ["rev-parse", "HEAD"])).toBe(answer.commit);
    expect(await readFile(join(check, "a.txt"), "utf8")).toBe("one\n");
    expect(await git(check, ["log", "-1", "--format=%B"])).toContain("Requested-by: alice (Sluice UI)");
  });

  it.each([
    ["main@sha1:nothex", /want <branch>@sha1:<40 hex digits>/],
    [`main@sha1:${"0".repeat(40)}`, /is not in/],
  ])("refuses %s", async (revision, message) => {
    await expect(rollback(hub(bare), ks, revision, "alice", { pushUrls: [bare] })).rejects.toThrow(RollbackError);
    await expect(rollback(hub(bare), ks, revision, "alice", { pushUrls: [bare] })).rejects.toThrow(message);
  });
});
