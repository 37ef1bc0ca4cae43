#!/usr/bin/env node
// prepack: copies the Sluice chart into the package (`chart/`), so an installed `sluice` renders it for
// `sluice install` and `sluice bootstrap` (and finds its CRDs for `sluice up`) without the repository checkout.
import { cpSync, rmSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const pkg = join(dirname(fileURLToPath(import.meta.url)), "..");
const to = join(pkg, "chart");
rmSync(to, { recursive: true, force: true });
cpSync(join(pkg, "..", "..", "charts", "sluice"), to, { recursive: true });
