#!/usr/bin/env node
// The source-controller process: flags → logger, kubeconfig → createSourceController → run until SIGTERM.

import { KubeConfig } from "@kubernetes/client-node";
import { createLogger } from "@sluice/runtime";
import { createSourceController } from "./controller.js";
import { parseSourceControllerFlags, USAGE } from "./flags.js";

async function main(): Promise<number> {
  let flags: ReturnType<typeof parseSourceControllerFlags>;
  try {
    flags = parseSourceControllerFlags(process.argv.slice(2));
  } catch (err: unknown) {
    process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n\n${USAGE}`);
    return 2;
  }
  if (flags.help) {
    process.stdout.write(USAGE);
    return 0;
  }
  const logger = createLogger({
    level: flags.logLevel,
    encoding: flags.logEncoding,
    base: { controller: "source-controller" },
  });
  const kubeConfig = new KubeConfig();
  if (flags.kubeconfig) kubeConfig.loadFromFile(flags.kubeconfig);
  else kubeConfig.loadFromDefault();
  const controller = createSourceController({ ...flags.controller, kubeConfig, logger });
  const signal = controller.manager.handleSignals();
  try {
    logger.info("starting source-controller");
    await controller.start(signal);
    logger.info("source-controller stopped");
    return 0;
  } catch (err: unknown) {
    logger.error({ error: err }, "source-controller failed");
    return 1;
  }
}

process.exitCode = await main();
