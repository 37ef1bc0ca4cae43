// The source-controller command: flags → logger and kubeconfig → createSourceController → run until the
// process is told to stop. main.ts calls it with the process's arguments and signals.

import type { Writable } from "node:stream";
import { createLogger, KubeConfig } from "@sluice/runtime";
import { createSourceController, type SourceController } from "./controller.js";
import { parseSourceControllerFlags, type SourceControllerFlags, USAGE } from "./flags.js";

/** Process-level inputs of {@link runSourceController} (the real process's by default). */
export interface RunOptions {
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** Stops the controller; default SIGTERM/SIGINT through the manager's signal handling. */
  signal?: AbortSignal;
  /** Where logs go (default stdout). */
  logDestination?: Writable;
  /** Where usage and flag errors go (default stderr / stdout for --help). */
  stderr?: Writable;
  stdout?: Writable;
  /** Called once the controller is created and starting (tests read its addresses). */
  onStart?: (controller: SourceController) => void;
}

/**
 * Runs the source-controller with command-line `argv` (Flux's flags, see {@link USAGE}) until the signal
 * aborts; resolves with the exit code: 0 after a clean stop or `--help`, 2 for bad flags, 1 when the
 * controller failed (e.g. lost leadership, caches not syncing, the storage address in use).
 */
export async function runSourceController(argv: readonly string[], options: RunOptions = {}): Promise<number> {
  const stderr = options.stderr ?? process.stderr;
  const stdout = options.stdout ?? process.stdout;
  let flags: SourceControllerFlags;
  try {
    flags = parseSourceControllerFlags(argv, options.env ?? process.env, options.cwd ?? process.cwd());
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
    base: { controller: "source-controller" },
    ...(options.logDestination ? { destination: options.logDestination } : {}),
  });
  try {
    const kubeConfig = new KubeConfig();
    if (flags.kubeconfig) kubeConfig.loadFromFile(flags.kubeconfig);
    else kubeConfig.loadFromDefault();
    const controller = createSourceController({ ...flags.controller, kubeConfig, logger });
    const signal = options.signal ?? controller.manager.handleSignals();
    logger.info("starting source-controller");
    const running = controller.start(signal);
    options.onStart?.(controller);
    await running;
    logger.info("source-controller stopped");
    return 0;
  } catch (err: unknown) {
    logger.error({ error: err }, "source-controller failed");
    return 1;
  }
}
