// "Roll back to this revision", GitOps-correct: a `git revert` of every commit after that revision, pushed to
// the Kustomization's GitRepository branch, so the loop applies the rollback like any other change (never an
// out-of-band change drift correction would undo). Without push access the answer is the exact commands.

import { execFile } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import type { RollbackAnswer } from "../shared/api.js";
import type { FluxObject } from "./summarize.js";
import { sourceOf } from "./summarize.js";
import type { WatchHub } from "./watch-hub.js";

const run = promisify(execFile);

/** A rollback the UI cannot plan (no Git source, no branch, bad revision): answered 409 with the reason. */
export class RollbackError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "RollbackError";
  }
}

/** Which repositories the UI may push revert commits to. */
export interface RollbackOptions {
  /** Repository URLs the UI may push to (exact `spec.url` values); others get the commands instead. */
  pushUrls?: readonly string[] | undefined;
}

function shellQuote(value: string): string {
  return /^[\w@%+=:,./-]+$/.test(value) ? value : `'${value.replace(/'/g, `'\\''`)}'`;
}

/** Environment for git: no user or system configuration, no prompts. */
function gitEnv(): NodeJS.ProcessEnv {
  return {
    PATH: process.env["PATH"] ?? "/usr/bin:/bin",
    HOME: tmpdir(),
    GIT_CONFIG_NOSYSTEM: "1",
    GIT_CONFIG_GLOBAL: "/dev/null",
    GIT_TERMINAL_PROMPT: "0",
    GIT_AUTHOR_NAME: "Sluice UI",
    GIT_AUTHOR_EMAIL: "ui@sluice.invalid",
    GIT_COMMITTER_NAME: "Sluice UI",
    GIT_COMMITTER_EMAIL: "ui@sluice.invalid",
  };
}

async function git(cwd: string, args: string[]): Promise<string> {
  try {
    const { stdout } = await run("git", args, { cwd, env: gitEnv(), maxBuffer: 16 * 1024 * 1024 });
    return stdout.trim();
  } catch (err: unknown) {
    const e = err as { stderr?: string; message?: string };
    throw new RollbackError(`git ${args[0]} failed: ${(e.stderr || e.message || String(err)).trim()}`);
  }
}

/**
 * Reverts, on the GitRepository branch of `ks`, every commit after `revision` (`<branch>@sha1:<sha>` or a
 * bare SHA): pushes the revert commit when `spec.url` is in `pushUrls`, else answers the commands that do it.
 */
export async function rollback(
  hub: WatchHub,
  ks: FluxObject,
  revision: string,
  user: string,
  options: RollbackOptions,
): Promise<RollbackAnswer> {
  const sha = /(?:^|[:@])([0-9a-f]{40}|[0-9a-f]{64})$/.exec(revision)?.[1];
  if (!sha) throw new RollbackError(`revision "${revision}": want <branch>@sha1:<40 hex digits>`);
  const src = sourceOf(ks);
  const [kind = "", namespace = "", name = ""] = src.split("/");
  if (kind !== "GitRepository") {
    throw new RollbackError(
      `${ks.kind} ${ks.metadata.namespace}/${ks.metadata.name}: rollback needs a GitRepository source, not ${kind || "none"}`,
    );
  }
  const repo = hub.object(kind, namespace, name);
  const url = repo?.spec?.["url"];
  const branch = (repo?.spec?.["ref"] as { branch?: string } | undefined)?.branch;
  if (typeof url !== "string" || !branch) {
    throw new RollbackError(`GitRepository ${namespace}/${name}: rollback needs spec.url and spec.ref.branch`);
  }
  const message = `Roll back ${ks.kind} ${ks.metadata.namespace}/${ks.metadata.name} to ${sha.slice(0, 12)}\n\nRequested-by: ${user} (Sluice UI)`;
  const commands = [
    `git clone --branch ${shellQuote(branch)} ${shellQuote(url)} rollback && cd rollback`,
    `git revert --no-edit --no-commit ${sha}..HEAD`,
    `git commit -m ${shellQuote(message)}`,
    `git push origin HEAD:${shellQuote(branch)}`,
  ];
  if (!(options.pushUrls ?? []).includes(url)) {
    return { committed: false, commit: "", message: `the UI may not push to ${url}: run these commands`, commands };
  }
  const dir = await mkdtemp(join(tmpdir(), "sluice-ui-rollback-"));
  try {
    await git(dir, ["clone", "--quiet", "--branch", branch, url, "repo"]);
    const cwd = join(dir, "repo");
    await git(cwd, ["cat-file", "-e", `${sha}^{commit}`]).catch(() => {
      throw new RollbackError(`revision ${sha} is not in ${url}`);
    });
    const ahead = await git(cwd, ["rev-list", "--count", `${sha}..HEAD`]);
    if (ahead === "0") throw new RollbackError(`${branch} is already at ${sha.slice(0, 12)}: nothing to roll back`);
    await git(cwd, ["revert", "--no-edit", "--no-commit", `${sha}..HEAD`]);
    await git(cwd, ["commit", "--quiet", "-m", message]);
    const commit = await git(cwd, ["rev-parse", "HEAD"]);
    await git(cwd, ["push", "--quiet", "origin", `HEAD:${branch}`]);
    return { committed: true, commit, message: `pushed revert commit ${commit.slice(0, 12)} to ${branch}`, commands };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
