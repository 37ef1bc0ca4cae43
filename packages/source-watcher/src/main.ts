#!/usr/bin/env node
// The source-watcher process (one Deployment, when the chart's sourceWatcher component is enabled).

import { runSourceWatcher } from "./cli.js";

process.exitCode = await runSourceWatcher(process.argv.slice(2));
