#!/usr/bin/env node
// The image-automation-controller process (one per Deployment, as the chart runs it).

import { runImageAutomationController } from "./cli.js";

process.exitCode = await runImageAutomationController(process.argv.slice(2));
