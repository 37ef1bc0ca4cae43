// The Git smart-HTTP server with the real git on both ends: clone, push (allowed or refused), basic
// authentication, and what the hooks report.

import { execFile } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import type { IncomingMessage } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type GitHttpServer, startGitHttpServer } from "../src/index.js";

const exec = promisify(execFile);
const ENV: NodeJS.ProcessEnv = {
  PATH: process.env["PATH"] ?? "/usr/bin:/bin",
  HOME: tmpdir(),
  GIT_CONFIG_NOSYSTEM: "1",
  GIT_CONFIG_GLOBAL: "/dev/null",
  GIT_TERMINAL_PROMPT: "0",
  GIT_AUTHOR_NAME: "test",
  GIT_AUTHOR_EMAIL: "test@example.com",
  GIT_COMMITTER_NAME: "test",
  GIT_COMMITTER_EMAIL: "test@example.com",
};

async function git(cwd: string, ...args: string[]): Promise<string> {
  return (await exec("git", args, { cwd, env: ENV })).stdout.trim();
}

let dir: string;
let root: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "sluice-git-server-"));
  root = join(dir, "repos");
  const work = join(dir, "seed");
  await exec("git", ["init", "-q", "-b", "main", work], { env: ENV });
  await git(work, "commit", "-q", "--allow-empty", "-m", "first");
  await exec("git", ["clone", "-q", "--bare", work, join(root, "app.git")], { env: ENV });
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Runs `fn` with a server started with `options`, stopping it afterwards. */
async function withServer(
  options: Omit<Parameters<typeof startGitHttpServer>[0], "root">,
  fn: (server: GitHttpServer) => Promise<void>,
): Promise<void> {
  const server = await startGitHttpServer({ root, ...options });
  try {
    await fn(server);
  } finally {
    await server.stop();
  }
}

describe("startGitHttpServer", () => {
  it("serves clones and, with receivePack, accepts pushes and reports them", async () => {
    const pushes: string[] = [];
    const statuses: number[] = [];
    await withServer(
      { receivePack: true, onPush: (repo) => pushes.push(repo), onResponse: (_req, status) => statuses.push(status) },
      async (server) => {
        expect(server.baseUrl).toBe(`http://127.0.0.1:${server.port}`);
        const clone = join(dir, "clone-push");
        await exec("git", ["clone", "-q", server.url("app.git"), clone], { env: ENV });
        expect(await git(clone, "log", "--format=%s")).toBe("first");
        await git(clone, "commit", "-q", "--allow-empty", "-m", "second");
        await git(clone, "push", "-q", "origin", "main");
        expect(await git(join(root, "app.git"), "log", "--format=%s", "main")).toBe("second\nfirst");
        expect(pushes).toEqual(["app.git"]);
        expect(statuses.length).toBeGreaterThanOrEqual(3);
        expect(statuses.every((s) => s === 200)).toBe(true);
      },
    );
  });

  it("refuses anonymous pushes without receivePack, as git http-backend does by default", async () => {
    const pushes: string[] = [];
    await withServer({ onPush: (repo) => pushes.push(repo) }, async (server) => {
      const clone = join(dir, "clone-refused");
      await exec("git", ["clone", "-q", server.url("app.git"), clone], { env: ENV });
      await git(clone, "commit", "-q", "--allow-empty", "-m", "refused");
      await expect(git(clone, "push", "-q", "origin", "main")).rejects.toThrow(/403|not permitted|denied/i);
      expect(pushes).toEqual([]);
    });
  });

  it("demands basic credentials when auth is set, and lets the authenticated user push", async () => {
    const statuses: number[] = [];
    await withServer(
      {
        auth: { type: "basic", username: "bot", password: "s3cret" },
        onResponse: (_req, status) => statuses.push(status),
      },
      async (server) => {
        await expect(exec("git", ["ls-remote", server.url("app.git")], { env: ENV })).rejects.toThrow(
          /Authentication failed|could not read Username|401/i,
        );
        expect(statuses).toContain(401);
        const authed = server.url("app.git").replace("http://", "http://bot:s3cret@");
        const clone = join(dir, "clone-auth");
        await exec("git", ["clone", "-q", authed, clone], { env: ENV });
        await git(clone, "commit", "-q", "--allow-empty", "-m", "by bot");
        await git(clone, "push", "-q", "origin", "main");
        expect(await git(join(root, "app.git"), "log", "-1", "--format=%s", "main")).toBe("by bot");
      },
    );
  });

  it("runs intercept before serving each request, which is served once it calls next", async () => {
    const seen: string[] = [];
    await withServer(
      {
        intercept: (req: IncomingMessage, _res, next) => {
          seen.push(`${req.method} ${new URL(req.url ?? "/", "http://x").pathname}`);
          setTimeout(next, 10);
        },
      },
      async (server) => {
        expect(await git(dir, "ls-remote", server.url("app.git"), "refs/heads/main")).toMatch(
          /^[0-9a-f]{40}\trefs\/heads\/main$/,
        );
        expect(seen[0]).toBe("GET /app.git/info/refs");
      },
    );
  });
});
