// `sluice logs` against a real `sluice up` (the built binary with source-controller): the controllers' JSON log
// files under its state dir, found through its up.json record without any kubeconfig flag; filters, --tail,
// -f; every line the controllers wrote is JSON with Flux's keys. Then the Pods path: sluice up's embedded API
// server serves each controller as its chart Deployment's Pod whose log is the controller's file, read by the
// real `kubectl logs deploy/…` and by `sluice logs` through pods/log.

import { type ChildProcess, execFile, spawn } from "node:child_process";
import { copyFile, readdir, readFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { Writable } from "node:stream";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { resolveTool } from "@sluice/runtime";
import { eventually, tempDir } from "@sluice/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { CliIO } from "../src/io.js";
import { run } from "../src/program.js";
import { READY_LINE } from "../src/up/banner.js";
import { runCli, TextSink } from "./support/cli-env.js";

const execFileP = promisify(execFile);
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

/** CLI IO for `sluice logs -f` that collects stdout and interrupts once `marker` has been printed. */
function followUntil(marker: string, home: string): { io: CliIO; seen: () => string } {
  const stop = new AbortController();
  let seen = "";
  const stdout = new Writable({
    write(chunk: Buffer, _enc, cb) {
      seen += chunk.toString();
      if (seen.includes(marker)) stop.abort();
      cb();
    },
  });
  const io: CliIO = {
    stdout,
    stderr: new TextSink(),
    env: { HOME: home },
    cwd: home,
    isTTY: false,
    columns: undefined,
    signal: stop.signal,
  };
  return { io, seen: () => seen };
}

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
    const { io, seen } = followUntil("GitRepository/broken2.flux-system", home.path);
    const following = run(["logs", "-f", "--name", "broken2", "--level", "error"], io);
    await runCli(["create", "source", "git", "broken2", "--url", "https://exa mple.com/x", "--branch", "main"], env());
    expect(await following).toBe(0);
    expect(seen()).toContain("error GitRepository/broken2.flux-system - reconciliation stalled");
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

  it("kubectl logs deploy/source-controller reads the controller's log as its Pod's (embedded pods/log)", async () => {
    const kubectl = resolveTool("kubectl").path;
    const pod = await eventually("the source-controller Pod Running", async () => {
      const r = await execFileP(kubectl, [
        ...["--kubeconfig", upRecord.kubeconfig, "get", "pods", "-n", "flux-system"],
        ...["-l", "app=source-controller", "-o", "jsonpath={.items[0].status.phase}"],
      ]);
      return r.stdout === "Running" || undefined;
    });
    expect(pod).toBe(true);
    const { stdout } = await execFileP(kubectl, [
      ...["--kubeconfig", upRecord.kubeconfig, "logs", "-n", "flux-system", "deploy/source-controller"],
      "--tail=3",
    ]);
    const file = (await readFile(join(upRecord.logDir, "source-controller.log"), "utf8")).trimEnd().split("\n");
    const lines = stdout.trimEnd().split("\n");
    expect(lines).toHaveLength(3);
    // The file may have grown between the two reads: the served lines are three consecutive lines of it.
    const at = file.indexOf(lines[0]!);
    expect(at).toBeGreaterThanOrEqual(0);
    expect(file.slice(at, at + 3)).toEqual(lines);
  });

  it("sluice logs through the Pods and pods/log when the kubeconfig is not sluice up's own", async () => {
    // A copy of the kubeconfig: `sluice logs` does not recognise it as the local sluice up's, so it lists
    // the controller Pods and reads their logs through the API server, as against a cluster.
    const copy = join(home.path, "kubeconfig-copy");
    await copyFile(upRecord.kubeconfig, copy);
    const r = await runCli(
      [
        ...["logs", "--kubeconfig", copy, "--kind", "GitRepository", "--name", "broken", "--level", "error"],
        ...["--tail", "50", "--since", "1h"],
      ],
      env(),
      home.path,
    );
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    const lines = r.stdout.trimEnd().split("\n");
    expect(lines.length).toBeGreaterThan(0);
    for (const line of lines)
      expect(line).toMatch(/ error GitRepository\/broken\.flux-system - reconciliation stalled/);
    // sluice up's own log is no Pod's: only the controller's lines come back.
    const all = await runCli(["logs", "--kubeconfig", copy, "-A", "--tail", "1"], env(), home.path);
    expect(all.stdout.trimEnd().split("\n")).toHaveLength(1);

    // -f: the server streams the controller's new lines as they are written.
    const { io, seen } = followUntil("GitRepository/broken3.flux-system", home.path);
    const following = run(
      ["logs", "--kubeconfig", copy, "-f", "--tail", "0", "--name", "broken3", "--level", "error"],
      io,
    );
    await runCli(["create", "source", "git", "broken3", "--url", "https://exa mple.com/y", "--branch", "main"], env());
    expect(await following).toBe(0);
    expect(seen()).toContain("error GitRepository/broken3.flux-system - reconciliation stalled");
  });
});
