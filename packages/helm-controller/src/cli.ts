// The helm-controller command: flags → logger and kubeconfig → createHelmController → run until the
// process is told to stop. main.ts calls it with the process's arguments and signals.

import type { Writable } from "node:stream";
import { createLogger, KubeConfig } from "@sluice/runtime";
import { createHelmController, type HelmController } from "./controller.js";
import { type HelmControllerFlags, parseHelmControllerFlags, USAGE } from "./flags.js";

/** Process-level inputs of {@link runHelmController} (the real process's by default). */
export interface RunOptions {
  env?: NodeJS.ProcessEnv;
  /** Stops the controller; default SIGTERM/SIGINT through the manager's signal handling. */
  signal?: AbortSignal;
  /** Where logs go (default stdout). */
  logDestination?: Writable;
  /** Where usage and flag errors go (default stderr / stdout for --help). */
  stderr?: Writable;
  stdout?: Writable;
  /** Called once the controller is created and starting (tests read its addresses). */
  onStart?: (controller: HelmController) => void;
}

/**
 * Runs the helm-controller with command-line `argv` (Flux's flags, see {@link USAGE}) until the signal
 * aborts; resolves with the exit code: 0 after a clean stop or `--help`, 2 for bad flags, 1 when the
 * controller failed (e.g. lost leadership, caches not syncing, the storage address in use).
 */
export async function runHelmController(argv: readonly string[], options: RunOptions = {}): Promise<number> {
  const stderr = options.stderr ?? process.stderr;
  const stdout = options.stdout ?? process.stdout;
  let flags: HelmControllerFlags;
  try {
    flags = parseHelmControllerFlags(argv, options.env ?? process.env);
  } catch (err: unknown) {
    stderr.write(`${err instanceof Error ? err.message : String(err)}\n\n${USAGE}`);
    return 2;
  }
  if (flags.help) {
    stdout.write(USAGE);
    return 0;
  }
  const logger = createLogger({
    level: flags.logLevel,
    encoding: flags.logEncoding,
    base: { controller: "helm-controller" },
    ...(options.logDestination ? { destination: options.logDestination } : {}),
  });
  try {
    const kubeConfig = new KubeConfig();
    if (flags.kubeconfig) kubeConfig.loadFromFile(flags.kubeconfig);
    else kubeConfig.loadFromDefault();
    const controller = createHelmController({ ...flags.controller, kubeConfig, logger });
    const signal = options.signal ?? controller.manager.handleSignals();
    logger.info("starting helm-controller");
    const running = controller.start(signal);
    options.onStart?.(controller);
    await running;
    logger.info("helm-controller stopped");
    return 0;
  } catch (err: unknown) {
    logger.error({ error: err }, "helm-controller failed");
    return 1;
  }
}
