#!/usr/bin/env node
// The kustomize-controller process (one per Deployment, as the chart runs it).

import { runKustomizeController } from "./cli.js";

process.exitCode = await runKustomizeController(process.argv.slice(2));
