// The end-to-end environment: `sluice up`'s own wiring (startUp from @sluice/cli/up: the embedded API server
// with workload simulation, the chart's CRDs, every available controller in-process with its HTTP servers
// on loopback), a real Git repository served by `git http-backend`, and the real kubectl on the kubeconfig.

import { execFile } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import { AVAILABLE_CONTROLLERS, type ControllerName, startUp, type UpSession } from "@sluice/cli/up";
import { createLogger, parseLogLevel, resolveTool, type UnstructuredObject } from "@sluice/runtime";
import { createFixtureRepo, type FixtureRepo, type GitHttpServer, startGitHttpServer } from "@sluice/testkit";

/** What a kubectl run printed and how it ended. */
export interface KubectlResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** A running end-to-end environment. */
export interface GitOpsEnv {
  session: UpSession;
  /** Scratch directory removed by {@link stop}. */
  dir: string;
  /** The Git server (bare repositories under `<dir>/git`). */
  git: GitHttpServer;
  kubectl(args: readonly string[], input?: string): Promise<KubectlResult>;
  /** Runs kubectl and throws with its stderr unless it exits 0; returns stdout. */
  kubectlOk(args: readonly string[], input?: string): Promise<string>;
  /** Creates `<name>.git` on the Git server with a working clone (branch main); returns it and its URL. */
  createRepo(name: string): Promise<{ repo: FixtureRepo; url: string }>;
  /** Gets an object through kubectl as JSON (undefined when it does not exist). */
  get(kind: string, name: string, namespace?: string): Promise<UnstructuredObject | undefined>;
  /** The controllers' log lines so far (JSON, level error and above unless E2E_LOG_LEVEL says otherwise). */
  logs(): string[];
  /** Sets `reconcile.fluxcd.io/requestedAt` to now, as `flux reconcile` does. */
  requestReconcile(kind: string, name: string, namespace: string): Promise<void>;
  stop(): Promise<void>;
}

/** Whether this build has the controller (tests needing a controller still being written skip without it). */
export function hasController(name: ControllerName): boolean {
  return AVAILABLE_CONTROLLERS.has(name);
}

/**
 * Polls `probe` until it returns a value other than undefined/false and returns it; fails after `timeoutMs`
 * (default 120 s, generous for a loaded machine) with `what` and the last value seen.
 */
export async function eventually<T>(
  what: string,
  probe: () => Promise<T | undefined | false>,
  timeoutMs = 120_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined && value !== false) return value;
      last = value;
    } catch (err: unknown) {
      last = err instanceof Error ? err.message : err;
    }
    if (Date.now() > deadline) {
      throw new Error(`timed out after ${timeoutMs / 1000}s waiting for ${what}; last: ${JSON.stringify(last)}`);
    }
    await new Promise((r) => setTimeout(r, 250));
  }
}

/** The Ready condition of a Flux object. */
export function readyCondition(
  obj: UnstructuredObject | undefined,
): { status?: string; reason?: string; message?: string; observedGeneration?: number } | undefined {
  const conditions = (obj?.["status"] as { conditions?: Array<Record<string, unknown>> } | undefined)?.conditions;
  return conditions?.find((c) => c["type"] === "Ready") as ReturnType<typeof readyCondition>;
}

/** Starts the environment with every available controller (or `controllers`). */
export async function startGitOpsEnv(controllers?: ControllerName[]): Promise<GitOpsEnv> {
  const dir = await mkdtemp(join(tmpdir(), "sluice-e2e-"));
  const logs: string[] = [];
  const level = process.env["E2E_LOG_LEVEL"] ? parseLogLevel(process.env["E2E_LOG_LEVEL"]) : undefined;
  const session = await startUp({
    controllers: controllers ?? [...AVAILABLE_CONTROLLERS.keys()],
    workloadDelayMs: 200,
    // The web UI has its own tests (packages/ui); the loop's tests do not need it.
    ui: false,
    // Controller logs are kept in memory (`logs()`); E2E_LOG_LEVEL=debug|info also prints them.
    logger: await createLogger({
      level: level ?? "error",
      destination: new Writable({
        write(chunk: Buffer, _encoding, done) {
          logs.push(chunk.toString("utf8"));
          if (level) process.stderr.write(chunk);
          done();
        },
      }),
    }),
  });
  const gitRoot = join(dir, "git");
  const git = await startGitHttpServer({ root: gitRoot });
  const kubectlPath = resolveTool("kubectl").path;
  const kubectl = (args: readonly string[], input?: string) =>
    new Promise<KubectlResult>((resolve) => {
      const child = execFile(
        kubectlPath,
        ["--kubeconfig", session.kubeconfigPath, ...args],
        { maxBuffer: 64 * 1024 * 1024, timeout: 120_000 },
        (err, stdout, stderr) => {
          resolve({ code: err ? (typeof err.code === "number" ? err.code : 1) : 0, stdout, stderr });
        },
      );
      child.stdin?.end(input ?? "");
    });
  const kubectlOk = async (args: readonly string[], input?: string) => {
    const r = await kubectl(args, input);
    if (r.code !== 0) throw new Error(`kubectl ${args.join(" ")} failed (${r.code}): ${r.stderr}`);
    return r.stdout;
  };
  return {
    session,
    dir,
    git,
    kubectl,
    kubectlOk,
    async createRepo(name) {
      const repo = await createFixtureRepo(gitRoot, name, "main");
      return { repo, url: git.url(`${name}.git`) };
    },
    async get(kind, name, namespace) {
      const r = await kubectl(["get", kind, name, ...(namespace ? ["-n", namespace] : []), "-o", "json"]);
      if (r.code !== 0) {
        if (/NotFound|not found/.test(r.stderr)) return undefined;
        throw new Error(`kubectl get ${kind} ${name} failed: ${r.stderr}`);
      }
      return JSON.parse(r.stdout) as UnstructuredObject;
    },
    logs: () => [...logs],
    async requestReconcile(kind, name, namespace) {
      await kubectlOk([
        "annotate",
        "--overwrite",
        "-n",
        namespace,
        kind,
        name,
        `reconcile.fluxcd.io/requestedAt=${new Date().toISOString()}`,
      ]);
    },
    async stop() {
      await git.stop();
      await session.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
