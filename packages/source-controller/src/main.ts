#!/usr/bin/env node
// The source-controller process (one per Deployment, as the chart runs it).

import { runSourceController } from "./cli.js";

process.exitCode = await runSourceController(process.argv.slice(2));
