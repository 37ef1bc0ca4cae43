// envsubst: standard input with ${VAR} expressions substituted from the environment, kustomize-controller's
// post-build syntax; --strict fails on a variable without a default that is not set.

import { PassThrough } from "node:stream";
import { describe, expect, it } from "vitest";
import type { CliIO } from "../src/io.js";
import { run } from "../src/program.js";
import { TextSink } from "./support/cli-env.js";

async function envsubst(input: string, env: NodeJS.ProcessEnv, ...args: string[]) {
  const stdin = new PassThrough();
  stdin.end(input);
  const stdout = new TextSink();
  const stderr = new TextSink();
  const io: CliIO = { stdin, stdout, stderr, env, cwd: process.cwd(), isTTY: false, columns: undefined };
  const code = await run(["envsubst", ...args], io);
  return { code, stdout: stdout.text, stderr: stderr.text };
}

describe("sluice envsubst", () => {
  const input = "region: ${cluster_region}\nreplicas: ${REPLICAS:=2}\nliteral: $$HOME and $HOME\n";

  it("substitutes set variables, defaults and unset ones as empty", async () => {
    const r = await envsubst(input, { cluster_region: "eu-central-1" });
    expect(r.code).toBe(0);
    expect(r.stdout).toBe("region: eu-central-1\nreplicas: 2\nliteral: $HOME and $HOME\n");
  });

  it("--strict fails on a variable without a default that is not set", async () => {
    const r = await envsubst(input, {}, "--strict");
    expect(r.code).toBe(1);
    expect(r.stderr).toBe('✗ variable not set (strict mode): "cluster_region"\n');
    const ok = await envsubst(input, { cluster_region: "us" }, "--strict");
    expect(ok.stdout).toBe("region: us\nreplicas: 2\nliteral: $HOME and $HOME\n");
  });

  it("bad syntax names the problem", async () => {
    const r = await envsubst("x: ${oops\n", {});
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^✗ .*(closing brace|bad substitution)/);
  });
});
