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
// pnpm runs scripts from the workspace root; relative paths in the arguments (--path, --kustomization-file) are
// the caller's, so the CLI runs in the directory pnpm was invoked from (INIT_CWD).
const cwd = process.env.INIT_CWD || process.cwd();
const run = spawnSync(process.execPath, [main, ...process.argv.slice(2)], { stdio: "inherit", cwd });
process.exit(run.status ?? 1);
