#!/usr/bin/env node
// Writes the CRD YAML of every kind to charts/sluice/crds (or checks it is up to date with --check).
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { diffCrds, writeCrds } from "../crd/write-crds.js";
import { ALL_KINDS } from "../kinds/index.js";

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), "../../../..");
const dir = resolve(repoRoot, "charts/sluice/crds");

if (process.argv.includes("--check")) {
  const diffs = await diffCrds(dir, ALL_KINDS);
  if (diffs.length > 0) {
    process.stderr.write(
      `charts/sluice/crds is out of date with packages/api (run pnpm generate):\n  ${diffs.join("\n  ")}\n`,
    );
    process.exit(1);
  }
  process.stdout.write(`charts/sluice/crds matches packages/api (${ALL_KINDS.length} CRDs)\n`);
} else {
  const written = await writeCrds(dir, ALL_KINDS);
  process.stdout.write(`wrote ${written.length} CRDs to ${dir}\n`);
}
