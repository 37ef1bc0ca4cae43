// The Git operations of `sluice bootstrap git`: clone a branch (or start it in an empty repository), write
// files, commit when they changed, push. Uses the git binary with no user configuration and no prompts.

import { execFile } from "node:child_process";
import { mkdir, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { promisify } from "node:util";
import { CliError } from "../errors.js";

const run = promisify(execFile);

/** Author and credentials of the commits the CLI makes. */
export interface GitIdentity {
  authorName: string;
  authorEmail: string;
  /** Basic auth for http(s) remotes. */
  username?: string | undefined;
  password?: string | undefined;
}

/** A working clone. */
export class GitWorkdir {
  private constructor(
    readonly dir: string,
    readonly url: string,
    readonly branch: string,
    private readonly identity: GitIdentity,
  ) {}

  /** Clones `branch` of `url` into `dir`; an empty repository or a missing branch starts the branch. */
  static async clone(url: string, branch: string, dir: string, identity: GitIdentity): Promise<GitWorkdir> {
    const wd = new GitWorkdir(dir, url, branch, identity);
    await mkdir(dir, { recursive: true });
    await wd.git(["init", "-q", `--initial-branch=${branch}`]);
    await wd.git(["remote", "add", "origin", url]);
    const heads = await wd.git(["ls-remote", "--heads", "origin", branch]);
    if (heads.trim() !== "") {
      await wd.git(["fetch", "-q", "--depth=1", "origin", branch]);
      await wd.git(["checkout", "-q", "-B", branch, "FETCH_HEAD"]);
    }
    return wd;
  }

  /** Writes files (path relative to the clone → content). */
  async write(files: Record<string, string>): Promise<void> {
    for (const [path, content] of Object.entries(files)) {
      await mkdir(dirname(join(this.dir, path)), { recursive: true });
      await writeFile(join(this.dir, path), content);
    }
  }

  /** Commits everything changed; returns the new commit's hash, or undefined when nothing changed. */
  async commit(message: string): Promise<string | undefined> {
    await this.git(["add", "-A"]);
    const status = await this.git(["status", "--porcelain"]);
    if (status.trim() === "") return undefined;
    await this.git(["commit", "-q", "-m", message]);
    return (await this.git(["rev-parse", "HEAD"])).trim();
  }

  /** Pushes the branch to origin. */
  async push(): Promise<void> {
    await this.git(["push", "-q", "origin", `HEAD:refs/heads/${this.branch}`]);
  }

  private async git(args: string[]): Promise<string> {
    const auth =
      this.identity.password !== undefined
        ? [
            "-c",
            `http.extraHeader=Authorization: Basic ${Buffer.from(`${this.identity.username ?? "git"}:${this.identity.password}`).toString("base64")}`,
          ]
        : [];
    try {
      const { stdout } = await run("git", [...auth, ...args], {
        cwd: this.dir,
        env: {
          PATH: process.env["PATH"] ?? "/usr/bin:/bin",
          HOME: this.dir,
          GIT_CONFIG_NOSYSTEM: "1",
          GIT_CONFIG_GLOBAL: "/dev/null",
          GIT_TERMINAL_PROMPT: "0",
          GIT_AUTHOR_NAME: this.identity.authorName,
          GIT_AUTHOR_EMAIL: this.identity.authorEmail,
          GIT_COMMITTER_NAME: this.identity.authorName,
          GIT_COMMITTER_EMAIL: this.identity.authorEmail,
          ...(process.env["SSH_AUTH_SOCK"] ? { SSH_AUTH_SOCK: process.env["SSH_AUTH_SOCK"] } : {}),
        },
        maxBuffer: 64 * 1024 * 1024,
      });
      return stdout;
    } catch (err: unknown) {
      const stderr = ((err as { stderr?: string }).stderr ?? "").trim().split("\n").filter(Boolean).at(-1);
      throw new CliError(`git ${args[0]} failed for ${this.url}: ${stderr ?? (err as Error).message}`);
    }
  }
}
