#!/usr/bin/env node
// prepack: copies the chart's CRDs into the package (`crds/`), so an installed `sluice` finds them for
// `sluice install` and `sluice bootstrap` without the repository checkout.
import { cpSync, mkdirSync, readdirSync, rmSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const pkg = join(dirname(fileURLToPath(import.meta.url)), "..");
const from = join(pkg, "..", "..", "charts", "sluice", "crds");
const to = join(pkg, "crds");
rmSync(to, { recursive: true, force: true });
mkdirSync(to, { recursive: true });
for (const file of readdirSync(from).filter((f) => f.endsWith(".yaml"))) cpSync(join(from, file), join(to, file));
