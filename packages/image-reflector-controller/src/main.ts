#!/usr/bin/env node
// The image-reflector-controller process (one per Deployment, as the chart runs it).

import { runImageReflectorController } from "./cli.js";

process.exitCode = await runImageReflectorController(process.argv.slice(2));
