#!/usr/bin/env node
// The notification-controller process (one per Deployment, as the chart runs it).

import { runNotificationController } from "./cli.js";

process.exitCode = await runNotificationController(process.argv.slice(2));
