// The parts of `sluice up` on their own: the --controllers parser, the demo repository served by the
// git http-backend server (cloned with the real git), and the banner.

import { execFile, spawn } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PassThrough } from "node:stream";
import { promisify } from "node:util";
import { startGitHttpServer } from "@sluice/git-server";
import { applyChartCrds, startApiCluster } from "@sluice/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { run as runCli } from "../src/program.js";
import {
  AVAILABLE_CONTROLLERS,
  CONTROLLER_NAMES,
  DataDirInUseError,
  DEMO_GIT_ENV,
  DEMO_OVERLAYS,
  DEMO_REPO_NAME,
  demoFiles,
  demoObjects,
  ensureDemoRepo,
  LOCK_FILE,
  lockDataDir,
  Narrator,
  parseControllerList,
} from "../src/up/index.js";

const run = promisify(execFile);
const available = [...AVAILABLE_CONTROLLERS.keys()];

describe("parseControllerList", () => {
  it.each([
    ["all", available],
    ["", available],
    ["none", []],
    ["source", ["source-controller"]],
    ["source-controller,source", ["source-controller"]],
    ["source-watcher,kustomize", ["kustomize-controller", "source-watcher"]],
  ])("%j → %j", (value, expected) => {
    expect(parseControllerList(value)).toEqual(expected);
  });

  it.each([
    ["bogus", /unknown controller "bogus"/],
    ["source,,image-foo", /unknown controller "image-foo"/],
  ])("%j is an error naming the flag", (value, message) => {
    expect(() => parseControllerList(value)).toThrow(/^invalid --controllers/);
    expect(() => parseControllerList(value)).toThrow(message);
  });

  it("has every known controller in this build, image controllers included", () => {
    expect([...AVAILABLE_CONTROLLERS.keys()].sort()).toEqual([...CONTROLLER_NAMES].sort());
    expect(parseControllerList("image-reflector,image-automation")).toEqual([
      "image-reflector-controller",
      "image-automation-controller",
    ]);
  });

  it("refuses a known controller this build does not have, naming the available ones", () => {
    const partial = new Map([["source-controller", undefined]] as const);
    expect(parseControllerList("source", partial)).toEqual(["source-controller"]);
    expect(() => parseControllerList("source,helm", partial)).toThrow(
      'invalid --controllers "source,helm": helm-controller is not available in this build (available: source-controller)',
    );
  });
});

describe("the demo repository", () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "sluice-up-parts-"));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("is served over HTTP: git clones it and gets base and overlays; pushes are accepted", async () => {
    const root = join(dir, "git");
    const bare = await ensureDemoRepo(root);
    expect(await ensureDemoRepo(root)).toBe(bare);
    const server = await startGitHttpServer({ root, receivePack: true });
    try {
      const clone = join(dir, "clone");
      await run("git", ["clone", "-q", server.url(DEMO_REPO_NAME), clone], { env: DEMO_GIT_ENV });
      for (const [path, content] of Object.entries(demoFiles())) {
        expect(await readFile(join(clone, path), "utf8")).toBe(content);
      }
      const { stdout: branch } = await run("git", ["rev-parse", "--abbrev-ref", "HEAD"], {
        cwd: clone,
        env: DEMO_GIT_ENV,
      });
      expect(branch.trim()).toBe("main");
      await run("git", ["commit", "-q", "--allow-empty", "-m", "second"], { cwd: clone, env: DEMO_GIT_ENV });
      await run("git", ["push", "-q", "origin", "main"], { cwd: clone, env: DEMO_GIT_ENV });
      const { stdout: log } = await run("git", ["log", "--format=%s", "main"], { cwd: bare, env: DEMO_GIT_ENV });
      expect(log.trim().split("\n")).toEqual(["second", "Add the hello app with staging and production overlays"]);
    } finally {
      await server.stop();
    }
  });

  it("builds with the real kubectl kustomize into each overlay's namespace and replica count", async () => {
    const { resolveTool } = await import("@sluice/runtime");
    const clone = join(dir, "clone");
    for (const overlay of DEMO_OVERLAYS) {
      const { stdout } = await run(resolveTool("kubectl").path, ["kustomize", join(clone, "overlays", overlay.name)]);
      expect(stdout).toContain(`namespace: ${overlay.namespace}`);
      expect(stdout).toContain(`replicas: ${overlay.replicas}`);
      expect(stdout).toMatch(/name: hello-config-[a-z0-9]+/);
    }
  });

  it("has a GitRepository and one Kustomization per overlay pointing at it", () => {
    const objects = demoObjects("http://127.0.0.1:1/demo.git");
    expect(objects.map((o) => `${o.kind}/${o.metadata.name}`)).toEqual([
      "Namespace/flux-system",
      "GitRepository/demo",
      ...DEMO_OVERLAYS.map((o) => `Kustomization/demo-${o.name}`),
    ]);
    for (const ks of objects.filter((o) => o.kind === "Kustomization")) {
      expect(ks["spec"]).toMatchObject({ sourceRef: { kind: "GitRepository", name: "demo" }, prune: true });
    }
  });
});

describe("one sluice up per data directory", () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "sluice-up-lock-"));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("refuses a directory a live process holds, naming it and the pid; takes over a stale lock", async () => {
    // Another process holding the lock as `sluice up` does (the API server's lock module, from its build).
    const owner = spawn(
      process.execPath,
      [
        "--input-type=module",
        "-e",
        `const { lockDataDir } = await import("@sluice/apiserver/data-dir-lock");
         lockDataDir(process.argv[1], { file: ${JSON.stringify(LOCK_FILE)} });
         process.stdout.write("locked\\n");
         setInterval(() => {}, 1 << 30);`,
        dir,
      ],
      { cwd: join(import.meta.dirname, ".."), stdio: ["ignore", "pipe", "inherit"] },
    );
    try {
      await new Promise<void>((resolve, reject) => {
        owner.stdout.on("data", (d: Buffer) => d.toString().includes("locked") && resolve());
        owner.once("exit", (code) => reject(new Error(`lock owner exited (${code})`)));
      });
      expect(() => lockDataDir(dir)).toThrow(DataDirInUseError);
      expect(() => lockDataDir(dir)).toThrow(`--data-dir ${dir} is in use by another sluice up (pid ${owner.pid})`);
    } finally {
      owner.kill("SIGKILL");
      await new Promise((r) => owner.once("exit", r));
    }
    // The killed owner's pid is still in the file, but the kernel dropped its lock.
    expect((await readFile(join(dir, LOCK_FILE), "utf8")).trim()).toBe(String(owner.pid));
    const release = lockDataDir(dir);
    expect((await readFile(join(dir, LOCK_FILE), "utf8")).trim()).toBe(String(process.pid));
    expect(() => lockDataDir(dir)).toThrow(`(pid ${process.pid})`);
    release();
    lockDataDir(dir)();
  });
});

describe("sluice up on a busy port", () => {
  it("fails with one line naming --port and the address", async () => {
    const busy = createServer();
    await new Promise<void>((resolve) => busy.listen(0, "127.0.0.1", resolve));
    const port = (busy.address() as { port: number }).port;
    const stderr = new PassThrough();
    let text = "";
    stderr.on("data", (c: Buffer) => {
      text += c.toString("utf8");
    });
    try {
      const code = await runCli(["up", "--port", String(port), "--controllers", "none", "--log-level", "error"], {
        stdout: new PassThrough(),
        stderr,
        env: {},
        cwd: tmpdir(),
        isTTY: false,
        columns: undefined,
      });
      expect(code).toBe(1);
      expect(text).toContain(`✗ sluice up failed: --port ${port}: 127.0.0.1:${port} is already in use`);
    } finally {
      await new Promise<void>((resolve) => busy.close(() => resolve()));
    }
  });
});

describe("Narrator", () => {
  it("tells an applied revision with its object count, a failure once, and a ready Deployment", async () => {
    const cluster = await startApiCluster();
    try {
      await applyChartCrds(cluster.client);
      const client = cluster.client;
      await client.create({ apiVersion: "v1", kind: "Namespace", metadata: { name: "flux-system" } });
      await client.create({
        apiVersion: "kustomize.toolkit.fluxcd.io/v1",
        kind: "Kustomization",
        metadata: { name: "app", namespace: "flux-system" },
        spec: { interval: "1m", path: "./", prune: true, sourceRef: { kind: "GitRepository", name: "app" } },
      });
      const lines: string[] = [];
      const narrator = new Narrator({
        client,
        objects: [
          {
            apiVersion: "kustomize.toolkit.fluxcd.io/v1",
            kind: "Kustomization",
            namespace: "flux-system",
            name: "app",
          },
        ],
        deployments: [{ namespace: "flux-system", name: "web", after: "Kustomization/flux-system/app" }],
        write: (l) => lines.push(l),
      });
      const setStatus = (status: Record<string, unknown>) =>
        client.patch(
          {
            apiVersion: "kustomize.toolkit.fluxcd.io/v1",
            kind: "Kustomization",
            namespace: "flux-system",
            name: "app",
          },
          { status },
          { type: "application/merge-patch+json", subresource: "status" },
        );
      const condition = (status: string, reason: string, message: string) => ({
        type: "Ready",
        status,
        reason,
        message,
        lastTransitionTime: new Date().toISOString(),
        observedGeneration: 1,
      });
      await client.create({
        apiVersion: "apps/v1",
        kind: "Deployment",
        metadata: { name: "web", namespace: "flux-system" },
        spec: {
          replicas: 1,
          selector: { matchLabels: { app: "web" } },
          template: { metadata: { labels: { app: "web" } }, spec: { containers: [{ name: "web", image: "nginx" }] } },
        },
      });
      await narrator.poll();
      expect(lines).toEqual([]);
      await setStatus({ conditions: [condition("False", "BuildFailed", "kustomize build failed: bad.yaml")] });
      await narrator.poll();
      await narrator.poll();
      expect(lines).toEqual([
        "Kustomization/flux-system/app: not ready: BuildFailed: kustomize build failed: bad.yaml",
      ]);
      await setStatus({
        conditions: [condition("True", "ReconciliationSucceeded", "Applied revision: main@sha1:abc")],
        lastAppliedRevision: "main@sha1:abc",
        inventory: {
          entries: [
            { id: "a", v: "v1" },
            { id: "b", v: "v1" },
          ],
        },
      });
      await narrator.poll();
      expect(lines[1]).toBe("Kustomization/flux-system/app: applied revision main@sha1:abc (2 objects)");
      await client.patch(
        { apiVersion: "apps/v1", kind: "Deployment", namespace: "flux-system", name: "web" },
        { status: { observedGeneration: 1, replicas: 1, availableReplicas: 1, readyReplicas: 1 } },
        { type: "application/merge-patch+json", subresource: "status" },
      );
      await narrator.poll();
      expect(lines.slice(2)).toEqual(["Deployment/flux-system/web: ready (1/1 replicas)"]);
    } finally {
      await cluster.stop();
    }
  });
});
