// `sluice logs` against a real `sluice up` (the built binary with source-controller): the controllers' JSON log
// files under its state dir, found through its up.json record without any kubeconfig flag; filters, --tail,
// -f; every line the controllers wrote is JSON with Flux's keys. Then the Pods path through the pods/log API.

import { type ChildProcess, spawn } from "node:child_process";
import { readdir, readFile } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import { dirname, join } from "node:path";
import { Writable } from "node:stream";
import { fileURLToPath } from "node:url";
import { tempDir } from "@sluice/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { CliIO } from "../src/io.js";
import { run } from "../src/program.js";
import { READY_LINE } from "../src/up/banner.js";
import { runCli, TextSink } from "./support/cli-env.js";

const BIN = join(dirname(fileURLToPath(import.meta.url)), "..", "dist", "main.js");
const REQUIRED_RECONCILE_KEYS = [
  "level",
  "ts",
  "msg",
  "controller",
  "controllerGroup",
  "controllerKind",
  "name",
  "namespace",
  "reconcileID",
];

describe("sluice logs from a local sluice up", () => {
  let home: Awaited<ReturnType<typeof tempDir>>;
  let up: ChildProcess;
  let upRecord: { kubeconfig: string; logDir: string };
  const env = () => ({ HOME: home.path });
  beforeAll(async () => {
    home = await tempDir("sluice-logs-");
    up = spawn(process.execPath, [BIN, "up", "--controllers", "source"], {
      stdio: ["ignore", "pipe", "pipe"],
      env: { PATH: process.env["PATH"], HOME: home.path },
    });
    let out = "";
    await new Promise<void>((resolve, reject) => {
      up.stdout?.on("data", (c: Buffer) => {
        out += c.toString();
        if (out.includes(READY_LINE)) resolve();
      });
      up.on("exit", (code) => reject(new Error(`sluice up exited ${code}: ${out}`)));
    });
    expect(out).toMatch(/ {2}logs +\S+\/logs\/<controller>\.log \(read with: sluice logs\)/);
    upRecord = JSON.parse(await readFile(join(home.path, ".sluice", "up.json"), "utf8"));
  });
  afterAll(async () => {
    if (up && up.exitCode === null) {
      up.kill("SIGINT");
      await new Promise((resolve) => up.once("exit", resolve));
    }
    await home?.remove();
  });

  it("shows a stalled source's error line, filtered by kind, name and level", async () => {
    const create = await runCli(
      ["create", "source", "git", "broken", "--url", "https://exa mple.com/repo", "--branch", "main"],
      env(),
      home.path,
    );
    expect(create.code).toBe(1);
    const r = await runCli(
      ["logs", "--kind", "GitRepository", "--name", "broken", "--level", "error"],
      env(),
      home.path,
    );
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    const lines = r.stdout.trimEnd().split("\n");
    expect(lines.length).toBeGreaterThan(0);
    for (const line of lines) {
      expect(line).toMatch(
        /^\d{4}-\d\d-\d\dT\S+Z error GitRepository\/broken\.flux-system - reconciliation stalled failed to parse url 'https:\/\/exa mple\.com\/repo': invalid URL$/,
      );
    }
    const otherNs = await runCli(["logs", "--name", "broken", "-n", "default"], env(), home.path);
    expect(otherNs.stdout).toBe("");
    const tail = await runCli(["logs", "-A", "--tail", "1"], env(), home.path);
    // One line per controller file (source-controller and sluice up's own).
    expect(tail.stdout.trimEnd().split("\n")).toHaveLength(2);
  });

  it("-f streams new lines until interrupted", async () => {
    const stop = new AbortController();
    let seen = "";
    const stdout = new Writable({
      write(chunk: Buffer, _enc, cb) {
        seen += chunk.toString();
        if (seen.includes("GitRepository/broken2.flux-system")) stop.abort();
        cb();
      },
    });
    const io: CliIO = {
      stdout,
      stderr: new TextSink(),
      env: env(),
      cwd: home.path,
      isTTY: false,
      columns: undefined,
      signal: stop.signal,
    };
    const following = run(["logs", "-f", "--name", "broken2", "--level", "error"], io);
    await runCli(["create", "source", "git", "broken2", "--url", "https://exa mple.com/x", "--branch", "main"], env());
    expect(await following).toBe(0);
    expect(seen).toContain("error GitRepository/broken2.flux-system - reconciliation stalled");
  });

  it("check finds the local sluice up without flags and checks its controllers' health", async () => {
    const r = await runCli(["check"], env(), home.path);
    expect(r.stderr).toMatch(/► found sluice up \(pid \d+\) serving https?:\/\/127\.0\.0\.1:\d+\n/);
    expect(r.stderr).toMatch(/✔ source-controller: ready \(http:\/\/127\.0\.0\.1:\d+\/readyz\)\n/);
    expect(r.stderr.trimEnd().split("\n").at(-1)).toBe("✔ all checks passed");
    expect(r.code).toBe(0);
  });

  it("stats counts the stalled sources as running and failing, per kind", async () => {
    const r = await runCli(["stats"], env(), home.path);
    expect(r.code).toBe(0);
    const lines = r.stdout.trimEnd().split("\n");
    expect(lines[0]).toMatch(/^RECONCILERS\s+RUNNING\s+FAILING\s+SUSPENDED\s+STORAGE$/);
    expect(lines).toContainEqual(expect.stringMatching(/^GitRepository\s+2\s+2\s+0\s+-$/));
    expect(lines).toContainEqual(expect.stringMatching(/^Kustomization\s+0\s+0\s+0\s+-$/));
    expect(lines).toHaveLength(14);
  });

  it("version -o json names the client and the server", async () => {
    const r = await runCli(["version", "-o", "json"], env(), home.path);
    expect(r.code).toBe(0);
    const info = JSON.parse(r.stdout) as Record<string, string>;
    expect(info["sluice"]).toMatch(/^v\d+\.\d+\.\d+$/);
    expect(info["kubernetes"]).toMatch(/^v\d+\.\d+/);
    const bad = await runCli(["version", "-o", "table"], env(), home.path);
    expect(bad.stderr).toBe("✗ --output must be json or yaml, not table\n");
  });

  it("every line the controllers wrote is JSON with Flux's keys; error is a string", async () => {
    const files = (await readdir(upRecord.logDir)).filter((f) => f.endsWith(".log"));
    expect(files.sort()).toEqual(["sluice-up.log", "source-controller.log"]);
    let reconcileLines = 0;
    for (const file of files) {
      const text = await readFile(join(upRecord.logDir, file), "utf8");
      for (const line of text.trimEnd().split("\n")) {
        const entry = JSON.parse(line) as Record<string, unknown>;
        expect(entry).toHaveProperty("level");
        expect(typeof entry["ts"]).toBe("string");
        expect(typeof entry["msg"]).toBe("string");
        if ("error" in entry) expect(typeof entry["error"]).toBe("string");
        // Stacks only at debug level (this sluice up logs at info).
        expect(entry).not.toHaveProperty("stacktrace");
        if (!("reconcileID" in entry)) continue;
        reconcileLines++;
        for (const key of REQUIRED_RECONCILE_KEYS) expect(entry, line).toHaveProperty(key);
        const kind = entry["controllerKind"] as string;
        expect(entry[kind]).toEqual({ name: entry["name"], namespace: entry["namespace"] });
        expect(entry["controllerGroup"]).toBe("source.toolkit.fluxcd.io");
      }
    }
    expect(reconcileLines).toBeGreaterThan(0);
  });
});

describe("sluice logs from controller Pods (pods/log API)", () => {
  let server: Server;
  let dir: Awaited<ReturnType<typeof tempDir>>;
  let kubeconfig: string;
  const requests: string[] = [];
  const LINES = [
    '{"level":"info","ts":"2026-01-01T10:00:00.000Z","msg":"Starting workers","controller":"gitrepository","controllerGroup":"source.toolkit.fluxcd.io","controllerKind":"GitRepository"}',
    "plain text is skipped",
    '{"level":"error","ts":"2026-01-01T10:00:01.000Z","msg":"Reconciler error","controller":"gitrepository","controllerGroup":"source.toolkit.fluxcd.io","controllerKind":"GitRepository","GitRepository":{"name":"podinfo","namespace":"flux-system"},"name":"podinfo","namespace":"flux-system","reconcileID":"1","error":"auth failed"}',
  ];
  beforeAll(async () => {
    dir = await tempDir("sluice-logs-pods-");
    server = createServer((req, res) => {
      requests.push(req.url ?? "");
      const url = new URL(req.url ?? "/", "http://x");
      res.setHeader("Content-Type", "application/json");
      if (url.pathname === "/api/v1") {
        res.end(JSON.stringify({ resources: [{ name: "pods", namespaced: true, kind: "Pod", verbs: ["list"] }] }));
      } else if (url.pathname === "/api/v1/namespaces/flux-system/pods") {
        const pod = (name: string, phase: string) => ({
          metadata: { name, namespace: "flux-system" },
          spec: { containers: [{ name: "manager" }] },
          status: { phase },
        });
        res.end(
          JSON.stringify({
            kind: "PodList",
            apiVersion: "v1",
            metadata: {},
            items: [pod("source-controller-abc", "Running"), pod("old", "Failed")],
          }),
        );
      } else if (url.pathname === "/api/v1/namespaces/flux-system/pods/source-controller-abc/log") {
        res.setHeader("Content-Type", "text/plain");
        res.end(`${LINES.join("\n")}\n`);
      } else {
        res.statusCode = 404;
        res.end(JSON.stringify({ kind: "Status", code: 404, message: "not found" }));
      }
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const { port } = server.address() as { port: number };
    kubeconfig = join(dir.path, "kubeconfig");
    const { writeFile } = await import("node:fs/promises");
    await writeFile(
      kubeconfig,
      `apiVersion: v1\nkind: Config\nclusters:\n- name: c\n  cluster: {server: "http://127.0.0.1:${port}"}\nusers:\n- name: u\n  user: {}\ncontexts:\n- name: x\n  context: {cluster: c, user: u}\ncurrent-context: x\n`,
    );
  });
  afterAll(async () => {
    await new Promise((resolve) => server?.close(resolve));
    await dir?.remove();
  });

  it("reads the running controller Pods' logs with flux's selector and query, and formats them", async () => {
    const r = await runCli(["logs", "--kubeconfig", kubeconfig, "--tail", "10", "--since", "1h"], { HOME: dir.path });
    expect(r.stderr).toBe("");
    expect(r.stdout).toBe(
      "2026-01-01T10:00:01.000Z error GitRepository/podinfo.flux-system - Reconciler error auth failed\n",
    );
    const list = new URL(requests.find((u) => u.startsWith("/api/v1/namespaces/flux-system/pods?")) ?? "/", "http://x");
    expect(list.searchParams.get("labelSelector")).toBe("app.kubernetes.io/part-of in (flux,sluice)");
    const log = requests.find((u) => u.includes("/log"));
    expect(log).toBe("/api/v1/namespaces/flux-system/pods/source-controller-abc/log?tailLines=10&sinceSeconds=3600");
    const all = await runCli(["logs", "--kubeconfig", kubeconfig, "-A"], { HOME: dir.path });
    expect(all.stdout.split("\n")[0]).toBe("2026-01-01T10:00:00.000Z info GitRepository - Starting workers");
  });
});
