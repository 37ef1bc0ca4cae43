#!/usr/bin/env node
// Writes the CRD YAML of every kind: the core kinds to charts/sluice/crds, an optional component's kinds to
// charts/sluice/components/<component>/crds (installed only with the component); `--check` verifies both.
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { diffCrds, writeCrds } from "../crd/write-crds.js";
import { ALL_KINDS, COMPONENT_KINDS, CORE_KINDS } from "../kinds/index.js";
import type { KindDefinition } from "../meta/kind.js";

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), "../../../..");
const targets: [string, readonly KindDefinition[]][] = [
  ["charts/sluice/crds", CORE_KINDS],
  ...Object.entries(COMPONENT_KINDS).map(
    ([component, kinds]) =>
      [`charts/sluice/components/${component}/crds`, kinds] as [string, readonly KindDefinition[]],
  ),
];

if (process.argv.includes("--check")) {
  let failed = false;
  for (const [dir, kinds] of targets) {
    const diffs = await diffCrds(resolve(repoRoot, dir), kinds);
    if (diffs.length > 0) {
      process.stderr.write(`${dir} is out of date with packages/api (run pnpm generate):\n  ${diffs.join("\n  ")}\n`);
      failed = true;
    }
  }
  if (failed) process.exit(1);
  process.stdout.write(`${targets.map(([dir]) => dir).join(" and ")} match packages/api (${ALL_KINDS.length} CRDs)\n`);
} else {
  for (const [dir, kinds] of targets) {
    const written = await writeCrds(resolve(repoRoot, dir), kinds);
    process.stdout.write(`wrote ${written.length} CRDs to ${dir}\n`);
  }
}
