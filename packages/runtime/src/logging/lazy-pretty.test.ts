// pino-pretty is loaded only for console logs: a JSON-logging process (every controller Deployment) never
// pays for it. Runs the built module in a fresh node process and looks at what it loaded.

import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";

const run = promisify(execFile);
const BUILT = join(import.meta.dirname, "..", "..", "dist", "logging", "index.js");

const SCRIPT = `
import { createRequire } from "node:module";
import { Writable } from "node:stream";
const { createLogger } = await import(process.argv[1]);
await createLogger({ encoding: process.argv[2], destination: new Writable({ write: (_c, _e, done) => done() }) });
const loaded = Object.keys(createRequire(import.meta.url).cache);
console.log(JSON.stringify({ pretty: loaded.some((k) => k.includes("pino-pretty")), pino: loaded.some((k) => k.includes("/pino/")) }));
`;

async function loadedWith(encoding: string): Promise<{ pretty: boolean; pino: boolean }> {
  const { stdout } = await run(process.execPath, ["--input-type=module", "-e", SCRIPT, BUILT, encoding]);
  return JSON.parse(stdout) as { pretty: boolean; pino: boolean };
}

describe("createLogger's console encoding", () => {
  it("is the only one that loads pino-pretty", async () => {
    expect(existsSync(BUILT), `${BUILT} is missing: run pnpm build first`).toBe(true);
    expect(await loadedWith("json")).toEqual({ pretty: false, pino: true });
    expect(await loadedWith("console")).toEqual({ pretty: true, pino: true });
  });
});
