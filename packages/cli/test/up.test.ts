// `sluice up` as a user runs it: the built bin as a subprocess on a free port, real kubectl against its
// kubeconfig, Ctrl-C (SIGINT) ending it with exit code 0 and nothing left listening, `--data-dir` resuming
// the state, and `--demo` reconciling its Git repository to Ready.

import { type ChildProcess, execFile, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { connect, createServer } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { PassThrough } from "node:stream";
import { fileURLToPath } from "node:url";
import { resolveTool } from "@sluice/runtime/tools";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { run } from "../src/program.js";
import { READY_LINE } from "../src/up/banner.js";
import { AVAILABLE_CONTROLLERS } from "../src/up/controllers.js";
import { DEMO_GIT_ENV } from "../src/up/demo-repo.js";

const BIN = join(dirname(fileURLToPath(import.meta.url)), "..", "dist", "main.js");
const KUBECTL = resolveTool("kubectl").path;

/** A running `sluice up` subprocess with its output so far. */
interface UpProcess {
  child: ChildProcess;
  stdout(): string;
  stderr(): string;
  /** Resolves once stdout has a line matching `pattern` (rejects when the process exits first). */
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<RegExpMatchArray>;
  /** Resolves with the exit code. */
  exited: Promise<number | null>;
}

function startUp(args: string[]): UpProcess {
  const child = spawn(process.execPath, [BIN, "up", "--log-encoding", "json", ...args], {
    stdio: ["ignore", "pipe", "pipe"],
    // Its record (up.json) goes to a throw-away SLUICE_HOME, not the user's ~/.sluice.
    env: { ...process.env, NO_COLOR: "1", SLUICE_HOME: join(tmpdir(), `sluice-up-test-${process.pid}`) },
  });
  let out = "";
  let err = "";
  const waiters = new Set<() => void>();
  const notify = () => {
    for (const w of [...waiters]) w();
  };
  child.stdout?.on("data", (c: Buffer) => {
    out += c.toString("utf8");
    notify();
  });
  child.stderr?.on("data", (c: Buffer) => {
    err += c.toString("utf8");
  });
  let exitCode: number | null | undefined;
  const exited = new Promise<number | null>((resolve) =>
    child.on("exit", (code) => {
      exitCode = code;
      notify();
      resolve(code);
    }),
  );
  return {
    child,
    stdout: () => out,
    stderr: () => err,
    exited,
    waitFor(pattern, timeoutMs = 120_000) {
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`timed out waiting for ${pattern}\nstdout:\n${out}\nstderr:\n${err.slice(-4000)}`));
        }, timeoutMs);
        const check = () => {
          const m = pattern.exec(out);
          if (m) {
            clearTimeout(timer);
            waiters.delete(check);
            resolve(m);
          } else if (exitCode !== undefined) {
            clearTimeout(timer);
            waiters.delete(check);
            reject(
              new Error(
                `sluice up exited (${exitCode}) before ${pattern}\nstdout:\n${out}\nstderr:\n${err.slice(-4000)}`,
              ),
            );
          }
        };
        waiters.add(check);
        check();
      });
    },
  };
}

/** Sends SIGINT (Ctrl-C) or `signal` and resolves with the exit code. */
async function interrupt(up: UpProcess, signal: NodeJS.Signals = "SIGINT"): Promise<number | null> {
  up.child.kill(signal);
  return up.exited;
}

function kubectl(
  kubeconfig: string,
  args: string[],
  input?: string,
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = execFile(
      KUBECTL,
      ["--kubeconfig", kubeconfig, ...args],
      { timeout: 120_000 },
      (err, stdout, stderr) => {
        resolve({ code: err ? (typeof err.code === "number" ? err.code : 1) : 0, stdout, stderr });
      },
    );
    child.stdin?.end(input ?? "");
  });
}

async function kubectlOk(kubeconfig: string, args: string[], input?: string): Promise<string> {
  const r = await kubectl(kubeconfig, args, input);
  if (r.code !== 0) throw new Error(`kubectl ${args.join(" ")} failed: ${r.stderr}`);
  return r.stdout;
}

/** Runs git with a fixed identity and no user configuration; returns trimmed stdout. */
function git(cwd: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile("git", args, { cwd, env: { ...process.env, ...DEMO_GIT_ENV } }, (err, stdout, stderr) => {
      if (err) reject(new Error(`git ${args.join(" ")} failed: ${stderr}`));
      else resolve(stdout.trim());
    });
  });
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (typeof address !== "object" || !address) throw new Error("no port");
  return address.port;
}

/** Whether something accepts TCP connections on 127.0.0.1:`port`. */
function listening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, "127.0.0.1");
    socket.once("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("error", () => resolve(false));
  });
}

/** Every `host:port` printed in the banner. */
function printedPorts(stdout: string): number[] {
  return [...stdout.matchAll(/https?:\/\/127\.0\.0\.1:(\d+)/g)].map((m) => Number(m[1]));
}

// Time limits are per test: each starts one or two `sluice up` processes, which take seconds on a loaded machine.
let work: string;
const running: UpProcess[] = [];

beforeAll(async () => {
  if (!existsSync(BIN)) throw new Error(`${BIN} is missing: run 'pnpm build' first`);
  work = await mkdtemp(join(tmpdir(), "sluice-up-test-"));
});

afterAll(async () => {
  for (const up of running) if (up.child.exitCode === null) up.child.kill("SIGKILL");
  await rm(work, { recursive: true, force: true });
});

describe("sluice up", () => {
  it("serves the API with the CRDs on the given port, answers kubectl, and stops cleanly on Ctrl-C", async () => {
    const port = await freePort();
    const kubeconfig = join(work, "api-only.kubeconfig");
    const up = startUp(["--port", String(port), "--write-kubeconfig", kubeconfig, "--controllers", "none"]);
    running.push(up);
    await up.waitFor(new RegExp(READY_LINE.replace(/[.;]/g, "\\$&")));
    expect(up.stdout()).toContain(`https://127.0.0.1:${port}`);
    expect(up.stdout()).toContain(`--kubeconfig ${kubeconfig}`);
    expect(up.stdout()).toMatch(/controllers\s+none \(API server only\)/);

    const crds = await kubectlOk(kubeconfig, ["get", "crds", "-o", "name"]);
    expect(crds).toContain("gitrepositories.source.toolkit.fluxcd.io");
    expect(crds).toContain("kustomizations.kustomize.toolkit.fluxcd.io");
    expect(crds).toContain("helmreleases.helm.toolkit.fluxcd.io");
    // As Flux without --components-extra=source-watcher: no ArtifactGenerator CRD.
    expect(crds).not.toContain("artifactgenerators");
    await kubectlOk(kubeconfig, ["create", "namespace", "up-test"]);
    expect(await kubectlOk(kubeconfig, ["get", "namespace", "up-test", "-o", "jsonpath={.status.phase}"])).toBe(
      "Active",
    );

    expect(await interrupt(up)).toBe(0);
    expect(up.stderr()).toMatch(/received SIGINT: stopping/);
    // --log-encoding json: stderr is a JSON stream, the progress lines included.
    const stderrLines = up.stderr().trimEnd().split("\n");
    for (const line of stderrLines) expect(() => JSON.parse(line), line).not.toThrow();
    expect(JSON.parse(stderrLines.at(-1)!)).toMatchObject({ level: "info", msg: "stopped" });
    expect(await listening(port)).toBe(false);
  }, 240_000);

  it("runs the controllers with their servers on loopback, prints where they are, and stops on SIGTERM", async () => {
    const kubeconfig = join(work, "controllers.kubeconfig");
    const up = startUp(["--port", "0", "--write-kubeconfig", kubeconfig]);
    running.push(up);
    await up.waitFor(/sluice is up/);
    const line = (await up.waitFor(/source-controller\s+artifacts (\S+)\s+metrics (\S+)\s+health (\S+)/)) as string[];
    const [, artifacts, metrics, health] = line;
    expect((await fetch(`${health}`.replace(/\/healthz$/, "/readyz"))).status).toBe(200);
    const body = await (await fetch(`${metrics}`)).text();
    expect(body).toContain("controller_runtime_reconcile_total");
    expect((await fetch(`${artifacts}/gitrepository/none/none/missing.tar.gz`)).status).toBe(404);
    // Every controller of this build runs, each with its own ready health and metrics servers.
    for (const name of AVAILABLE_CONTROLLERS.keys()) {
      const [, m, h] = (await up.waitFor(new RegExp(`${name}\\s+.*metrics (\\S+)\\s+health (\\S+)`))) as string[];
      expect((await fetch(`${h}`.replace(/\/healthz$/, "/readyz"))).status, name).toBe(200);
      expect(await (await fetch(`${m}`)).text(), name).toContain("controller_runtime_max_concurrent_reconciles");
    }
    // notification-controller's event server and webhook receiver, with the others' events pointed at it.
    const [, events] = (await up.waitFor(/\n\s+events\s+(http:\/\/127\.0\.0\.1:\d+)\n/)) as string[];
    const [, receiver] = (await up.waitFor(/\n\s+receiver\s+(http:\/\/127\.0\.0\.1:\d+)\n/)) as string[];
    expect((await fetch(`${events}/`, { method: "POST", body: "{}" })).status).toBe(400);
    expect((await fetch(`${receiver}/hook/${"0".repeat(64)}`, { method: "POST", body: "{}" })).status).toBe(404);
    const ports = printedPorts(up.stdout());
    expect(ports.length).toBeGreaterThanOrEqual(1 + 2 * AVAILABLE_CONTROLLERS.size);
    // Each controller acts as its chart ServiceAccount; the written kubeconfig is the admin's.
    const [, accounts] = (await up.waitFor(
      /controller identities\s+ServiceAccounts (.+) with the chart's RBAC/,
    )) as string[];
    expect(accounts!.split(", ").sort()).toEqual(
      [...AVAILABLE_CONTROLLERS.keys()].map((n) => `flux-system:${n}`).sort(),
    );
    const who = await kubectlOk(kubeconfig, ["auth", "whoami", "-o", "jsonpath={.status.userInfo.groups}"]);
    expect(who).toContain("system:masters");
    const sa = "--as=system:serviceaccount:flux-system:source-controller";
    expect(
      (await kubectlOk(kubeconfig, ["auth", "can-i", "list", "gitrepositories.source.toolkit.fluxcd.io", sa])).trim(),
    ).toBe("yes");

    // Each controller's rest_client_requests_total counts its own requests, as each Flux controller's
    // process does: source-controller patches the status of a new GitRepository, notification-controller
    // (which owns no such object) has sent no PATCH.
    const metricsOf = async (name: string) => {
      const [, m] = (await up.waitFor(new RegExp(`${name}\\s+.*metrics (\\S+)`))) as string[];
      return (await (await fetch(`${m}`)).text())
        .split("\n")
        .filter((l) => l.startsWith("rest_client_requests_total{"));
    };
    await kubectlOk(
      kubeconfig,
      ["apply", "-f", "-"],
      "apiVersion: source.toolkit.fluxcd.io/v1\nkind: GitRepository\nmetadata: {name: rest-metrics, namespace: flux-system}\nspec: {interval: 1h, url: 'https://exa mple.com/repo'}\n",
    );
    let sourcePatches: string[] = [];
    for (let i = 0; i < 200 && sourcePatches.length === 0; i++) {
      sourcePatches = (await metricsOf("source-controller")).filter((l) => l.includes('method="PATCH"'));
      if (sourcePatches.length === 0) await new Promise((r) => setTimeout(r, 100));
    }
    expect(sourcePatches.length).toBeGreaterThan(0);
    expect((await metricsOf("notification-controller")).filter((l) => l.includes('method="PATCH"'))).toEqual([]);

    // SIGTERM (what a service manager sends) stops as cleanly as Ctrl-C.
    expect(await interrupt(up, "SIGTERM")).toBe(0);
    expect(up.stderr()).toMatch(/received SIGTERM: stopping/);
    for (const p of ports) expect(await listening(p)).toBe(false);
  }, 240_000);

  it("--demo serves a Git repository, creates its GitRepository and Kustomizations, and reaches Ready; --data-dir resumes", async () => {
    const dataDir = join(work, "data");
    const kubeconfig = join(work, "demo.kubeconfig");
    const up = startUp(["--demo", "--data-dir", dataDir, "--write-kubeconfig", kubeconfig]);
    running.push(up);
    await up.waitFor(/sluice is up/);
    const [, revision] = (await up.waitFor(
      /GitRepository\/flux-system\/demo: fetched revision (main@sha1:[0-9a-f]{40})/,
    )) as string[];
    await kubectlOk(kubeconfig, [
      "wait",
      "-n",
      "flux-system",
      "gitrepository/demo",
      "--for=condition=Ready",
      "--timeout=120s",
    ]);
    let latest = revision;
    const kustomizeRuns = /kustomize-controller\s+metrics/.test(up.stdout());
    if (kustomizeRuns) {
      for (const overlay of ["staging", "production"]) {
        await kubectlOk(kubeconfig, [
          "wait",
          "-n",
          "flux-system",
          `kustomization/demo-${overlay}`,
          "--for=condition=Ready",
          "--timeout=180s",
        ]);
        await up.waitFor(new RegExp(`Deployment/demo-${overlay}/hello: ready`), 180_000);
      }
      await up.waitFor(
        /Kustomization\/flux-system\/demo-staging: applied revision main@sha1:[0-9a-f]{40} \(\d+ objects\)/,
      );

      // What the banner suggests: clone, change, commit, push — the push reconciles at once.
      const [, repoUrl] = (await up.waitFor(/demo repository\s+(\S+)/)) as string[];
      const clone = join(work, "demo-clone");
      await git(work, ["clone", "-q", `${repoUrl}`, clone]);
      const file = join(clone, "overlays", "production", "kustomization.yaml");
      await writeFile(file, (await readFile(file, "utf8")).replace("value: 2", "value: 3"));
      await git(clone, ["commit", "-q", "-am", "production: 3 replicas"]);
      await git(clone, ["push", "-q", "origin", "main"]);
      latest = `main@sha1:${await git(clone, ["rev-parse", "HEAD"])}`;
      await up.waitFor(new RegExp(`GitRepository/flux-system/demo: fetched revision ${latest}`), 120_000);
      await up.waitFor(/Deployment\/demo-production\/hello: ready \(3\/3 replicas\)/, 120_000);
    } else {
      expect(up.stdout()).toContain("kustomize-controller isn't available in this build");
    }
    await kubectlOk(kubeconfig, ["create", "configmap", "kept", "-n", "default", "--from-literal=a=b"]);
    expect(await interrupt(up)).toBe(0);
    const firstStdout = up.stdout();

    // Same data dir: the objects, their status and the demo repository are still there.
    const again = startUp(["--demo", "--data-dir", dataDir, "--write-kubeconfig", kubeconfig]);
    running.push(again);
    await again.waitFor(/sluice is up/);
    expect(await kubectlOk(kubeconfig, ["get", "configmap", "kept", "-n", "default", "-o", "jsonpath={.data.a}"])).toBe(
      "b",
    );
    const stored = await kubectlOk(kubeconfig, [
      "get",
      "-n",
      "flux-system",
      "gitrepository/demo",
      "-o",
      "jsonpath={.status.artifact.revision}",
    ]);
    expect(stored).toBe(latest);
    // The artifact server and the demo repository keep their addresses, so stored artifact URLs and clones work.
    const addresses = (out: string) => [/artifacts (\S+)/.exec(out)?.[1], /demo repository\s+(\S+)/.exec(out)?.[1]];
    expect(addresses(again.stdout())).toEqual(addresses(firstStdout));
    await again.waitFor(new RegExp(`GitRepository/flux-system/demo: fetched revision ${latest}`));
    expect(await interrupt(again)).toBe(0);
  }, 480_000);

  it("--kubeconfig runs the controllers against another cluster instead of starting one", async () => {
    const clusterKubeconfig = join(work, "cluster.kubeconfig");
    const cluster = startUp(["--controllers", "none", "--write-kubeconfig", clusterKubeconfig]);
    running.push(cluster);
    await cluster.waitFor(/sluice is up/);
    const controllers = startUp(["--kubeconfig", clusterKubeconfig, "--controllers", "source"]);
    running.push(controllers);
    await controllers.waitFor(/sluice is up/);
    expect(controllers.stdout()).toMatch(/API server\s+https:\/\/127\.0\.0\.1:\d+ \(external cluster\)/);
    expect(controllers.stdout()).toContain(`kubeconfig             ${clusterKubeconfig}`);
    // The source-controller of the second process reconciles objects of the first one's API server.
    await kubectlOk(
      clusterKubeconfig,
      ["apply", "-f", "-"],
      `apiVersion: source.toolkit.fluxcd.io/v1
kind: GitRepository
metadata: { name: unreachable, namespace: flux-system }
spec: { url: "http://127.0.0.1:9/none.git", interval: 1m, ref: { branch: main } }
`,
    );
    await kubectlOk(clusterKubeconfig, [
      "wait",
      "-n",
      "flux-system",
      "gitrepository/unreachable",
      "--for=condition=Ready=False",
      "--timeout=120s",
    ]);
    const message = await kubectlOk(clusterKubeconfig, [
      "get",
      "-n",
      "flux-system",
      "gitrepository/unreachable",
      "-o",
      'jsonpath={.status.conditions[?(@.type=="Ready")].message}',
    ]);
    expect(message).toContain("127.0.0.1:9");
    expect(await interrupt(controllers)).toBe(0);
    expect(await interrupt(cluster)).toBe(0);
  }, 360_000);

  it("rejects an unknown controller with a one-line error naming the flag", async () => {
    const stderr = new PassThrough();
    let text = "";
    stderr.on("data", (c: Buffer) => {
      text += c.toString("utf8");
    });
    const code = await run(["up", "--controllers", "source,bogus"], {
      stdout: new PassThrough(),
      stderr,
      env: {},
      cwd: work,
      isTTY: false,
      columns: undefined,
    });
    expect(code).toBe(1);
    expect(text.trim().split("\n")).toHaveLength(1);
    expect(text).toMatch(/invalid --controllers "source,bogus": unknown controller "bogus"/);
  });
});
