#!/usr/bin/env node
// The helm-controller process (one per Deployment, as the chart runs it).

import { runHelmController } from "./cli.js";

process.exitCode = await runHelmController(process.argv.slice(2));
