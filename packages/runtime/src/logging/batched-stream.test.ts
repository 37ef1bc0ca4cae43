// Batched log writes lose nothing: lines reach a log file without a flush call, at flush(), at a clean exit
// and after an uncaught exception; stdout gets every line when the process exits. Runs the built module.

import { execFile } from "node:child_process";
import { createWriteStream, existsSync } from "node:fs";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createLogger } from "./logger.js";

const run = promisify(execFile);
const BUILT = join(import.meta.dirname, "..", "..", "dist", "logging", "index.js");

const SCRIPT = `
import { createWriteStream } from "node:fs";
const { createLogger } = await import(process.argv[1]);
const [, , file, ending] = process.argv;
const log = await createLogger(file === "-" ? {} : { destination: createWriteStream(file, { flags: "a" }) });
for (let i = 0; i < 3; i++) log.info({ i, password: "hunter2" }, "line " + i);
if (ending === "throw") setTimeout(() => { throw new Error("crash"); }, 0);
else if (ending === "exit") setTimeout(() => process.exit(0), 0);
`;

/** Retries `check` until it passes (5 s at most); runtime cannot use testkit's `eventually` (testkit uses runtime). */
async function eventually(check: () => Promise<void>): Promise<void> {
  const deadline = Date.now() + 5000;
  for (;;) {
    try {
      return await check();
    } catch (err) {
      if (Date.now() > deadline) throw err;
      await new Promise((r) => setTimeout(r, 20));
    }
  }
}

const lines = (text: string) =>
  text
    .split("\n")
    .filter((l) => l.startsWith("{"))
    .map((l) => JSON.parse(l) as Record<string, unknown>);

describe("batched log writes", () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), "batched-log-"));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("reach a log file on their own and at flush()", async () => {
    const file = join(dir, "c.log");
    const stream = createWriteStream(file, { flags: "a" });
    const log = await createLogger({ destination: stream });
    log.info("first");
    await eventually(async () => expect(lines(await readFile(file, "utf8")).map((l) => l["msg"])).toEqual(["first"]));
    log.info("second");
    log.flush();
    await new Promise<void>((resolve) => stream.end(() => resolve()));
    expect(lines(await readFile(file, "utf8")).map((l) => l["msg"])).toEqual(["first", "second"]);
  });

  for (const ending of ["end", "exit", "throw"]) {
    it(`are all written, redacted, when the process ends (${ending})`, async () => {
      expect(existsSync(BUILT), `${BUILT} is missing: run pnpm build first`).toBe(true);
      const file = join(dir, "c.log");
      await run(process.execPath, ["--input-type=module", "-e", SCRIPT, BUILT, file, ending]).catch(
        (err: { code?: number }) => expect(ending === "throw" && err.code === 1).toBe(true),
      );
      const got = lines(await readFile(file, "utf8"));
      expect(got.map((l) => [l["msg"], l["password"]])).toEqual([
        ["line 0", "[REDACTED]"],
        ["line 1", "[REDACTED]"],
        ["line 2", "[REDACTED]"],
      ]);
    });
  }

  it("reach stdout when the process exits", async () => {
    const { stdout } = await run(process.execPath, ["--input-type=module", "-e", SCRIPT, BUILT, "-", "exit"]);
    expect(lines(stdout).map((l) => l["msg"])).toEqual(["line 0", "line 1", "line 2"]);
  });
});
