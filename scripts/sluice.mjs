#!/usr/bin/env node
// `pnpm sluice …` from the repo root: runs the built CLI (packages/cli) with the given arguments.
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const main = join(dirname(fileURLToPath(import.meta.url)), "..", "packages", "cli", "dist", "main.js");
if (!existsSync(main)) {
  process.stderr.write("sluice: the CLI is not built: packages/cli does not exist yet or 'pnpm build' has not run\n");
  process.exit(1);
}
const run = spawnSync(process.execPath, [main, ...process.argv.slice(2)], { stdio: "inherit" });
process.exit(run.status ?? 1);
