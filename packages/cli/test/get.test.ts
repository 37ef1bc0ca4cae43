// get <kind> NAME, --no-header, -l/--label-selector, --status-selector with !=, and -w/--watch, as flux get.

import { Writable } from "node:stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { CliIO } from "../src/io.js";
import { run } from "../src/program.js";
import { type CliEnv, startCliEnv, TextSink } from "./support/cli-env.js";

const GIT = "source.toolkit.fluxcd.io/v1";

describe("sluice get", () => {
  let env: CliEnv;
  const repo = (name: string, labels: Record<string, string>) => ({
    apiVersion: GIT,
    kind: "GitRepository",
    metadata: { name, namespace: "flux-system", labels },
    spec: { url: `https://example.com/${name}`, interval: "1m", ref: { branch: "main" } },
  });
  beforeAll(async () => {
    env = await startCliEnv();
    await env.cluster.client.create(repo("frontend", { team: "web" }));
    await env.cluster.client.create(repo("backend", { team: "api" }));
  });
  afterAll(async () => {
    await env?.stop();
  });

  it("get sources git NAME prints that object; a missing one fails as flux's", async () => {
    const r = await env.sluice("get", "sources", "git", "frontend");
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(
      /^NAME\s+REVISION\s+SUSPENDED\s+READY\s+MESSAGE\nfrontend\s+False\s+Unknown\s+waiting to be reconciled\n$/,
    );
    const missing = await env.sluice("get", "sources", "git", "nope");
    expect(missing.code).toBe(1);
    expect(missing.stderr).toBe(`✗ GitRepository object 'nope' not found in "flux-system" namespace\n`);
  });

  it("--no-header, -l and --status-selector ready!=true", async () => {
    const r = await env.sluice("get", "sources", "git", "--no-header", "-l", "team=api");
    expect(r.stdout).toMatch(/^backend\s+False\s+Unknown\s+waiting to be reconciled\n$/);
    const both = await env.sluice("get", "sources", "git", "--no-header", "--label-selector", "team in (api,web)");
    expect(
      both.stdout
        .trimEnd()
        .split("\n")
        .map((l) => l.split(/\s+/)[0]),
    ).toEqual(["backend", "frontend"]);
    const notReady = await env.sluice("get", "sources", "git", "--status-selector", "ready!=true", "--no-header");
    expect(notReady.stdout.trimEnd().split("\n")).toHaveLength(2);
  });

  it("-w prints the current rows, then a row per change, until interrupted", async () => {
    const stop = new AbortController();
    let seen = "";
    const stdout = new Writable({
      write(chunk: Buffer, _enc, cb) {
        seen += chunk.toString();
        if (seen.includes("added-later")) stop.abort();
        cb();
      },
    });
    const io: CliIO = {
      stdout,
      stderr: new TextSink(),
      env: { KUBECONFIG: env.kubeconfigPath, HOME: env.workDir },
      cwd: env.workDir,
      isTTY: false,
      columns: undefined,
      signal: stop.signal,
    };
    const watching = run(["get", "sources", "git", "-w", "-l", "team"], io);
    // The current rows come first.
    while (!seen.includes("frontend")) await new Promise((resolve) => setTimeout(resolve, 20));
    await env.cluster.client.create(repo("added-later", { team: "web" }));
    await env.cluster.client.create(repo("unlabelled", {}));
    expect(await watching).toBe(0);
    const lines = seen.trimEnd().split("\n");
    expect(lines[0]).toMatch(/^NAME\s+REVISION/);
    expect(lines.slice(1).map((l) => l.split(/\s+/)[0])).toEqual(["backend", "frontend", "added-later"]);
    const all = await env.sluice("get", "all", "-w");
    expect(all.stderr).toBe("✗ expected a single resource type, but found all\n");
  });
});
