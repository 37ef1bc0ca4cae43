#!/usr/bin/env node
// The container image's entry point (behind tini): `sluice-controller <controller> [flags]`.

import { runController } from "./run.js";

process.exitCode = await runController(process.argv.slice(2));
