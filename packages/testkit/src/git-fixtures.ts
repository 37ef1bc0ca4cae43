// Real Git repositories for tests: bare repositories served by the test servers, and a working clone to
// commit, tag and push from. Commits use fixed identities; dates can be fixed for reproducible hashes.

import { execFile } from "node:child_process";
import { mkdir, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { promisify } from "node:util";

const run = promisify(execFile);

/** Environment isolating test git commands from the machine's configuration. */
export const FIXTURE_GIT_ENV: NodeJS.ProcessEnv = {
  PATH: process.env["PATH"] ?? "/usr/bin:/bin",
  HOME: "/nonexistent",
  GIT_CONFIG_NOSYSTEM: "1",
  GIT_CONFIG_GLOBAL: "/dev/null",
  GIT_AUTHOR_NAME: "Test Author",
  GIT_AUTHOR_EMAIL: "author@example.com",
  GIT_COMMITTER_NAME: "Test Committer",
  GIT_COMMITTER_EMAIL: "committer@example.com",
  GIT_TERMINAL_PROMPT: "0",
};

/** Runs git in `cwd` and returns trimmed stdout. */
export async function git(cwd: string, args: string[], env: NodeJS.ProcessEnv = {}): Promise<string> {
  const { stdout } = await run("git", args, { cwd, env: { ...FIXTURE_GIT_ENV, ...env }, maxBuffer: 64 * 1024 * 1024 });
  return stdout.trim();
}

/** A bare repository plus a working clone pushing to it. */
export interface FixtureRepo {
  /** Absolute path of the bare repository (what servers expose). */
  bare: string;
  /** Absolute path of the working clone. */
  work: string;
  /** Writes files (path → content), commits them on the current branch and returns the commit hash. */
  commit(files: Record<string, string>, message?: string): Promise<string>;
  /** Creates a branch at HEAD (or switches to it when it exists) in the working clone. */
  branch(name: string): Promise<void>;
  /** Creates a lightweight tag, or an annotated one when `message` is given, at HEAD. */
  tag(name: string, message?: string): Promise<void>;
  /** Pushes all branches and tags to the bare repository. */
  push(): Promise<void>;
  /** Runs git in the working clone. */
  git(args: string[], env?: NodeJS.ProcessEnv): Promise<string>;
}

/** Creates `<root>/<name>.git` (bare, default branch `defaultBranch`) and a working clone of it. */
export async function createFixtureRepo(root: string, name: string, defaultBranch = "master"): Promise<FixtureRepo> {
  const bare = join(root, `${name}.git`);
  const work = join(root, "work", name);
  await mkdir(bare, { recursive: true });
  await mkdir(work, { recursive: true });
  await git(bare, ["init", "-q", "--bare", `--initial-branch=${defaultBranch}`]);
  await git(bare, ["config", "http.receivepack", "true"]);
  await git(work, ["init", "-q", `--initial-branch=${defaultBranch}`]);
  await git(work, ["remote", "add", "origin", bare]);
  let counter = 0;
  const repo: FixtureRepo = {
    bare,
    work,
    async commit(files, message = "commit") {
      for (const [path, content] of Object.entries(files)) {
        await mkdir(dirname(join(work, path)), { recursive: true });
        await writeFile(join(work, path), content);
      }
      await git(work, ["add", "-A"]);
      counter++;
      const date = `2024-01-01T00:00:${String(counter % 60).padStart(2, "0")}Z`;
      await git(work, ["commit", "-q", "--allow-empty", "-m", message], {
        GIT_AUTHOR_DATE: date,
        GIT_COMMITTER_DATE: date,
      });
      return git(work, ["rev-parse", "HEAD"]);
    },
    async branch(branchName) {
      const exists = await git(work, ["branch", "--list", branchName]);
      await git(work, exists ? ["checkout", "-q", branchName] : ["checkout", "-q", "-b", branchName]);
    },
    async tag(tagName, message) {
      await git(work, message === undefined ? ["tag", tagName] : ["tag", "-a", tagName, "-m", message]);
    },
    async push() {
      await git(work, ["push", "-q", "--force", "--all", "origin"]);
      await git(work, ["push", "-q", "--force", "--tags", "origin"]);
    },
    git: (args, env) => git(work, args, env),
  };
  return repo;
}
