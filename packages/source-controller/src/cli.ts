// The source-controller command: flags → logger and kubeconfig → createSourceController → run until the
// process is told to stop. main.ts calls it with the process's arguments and signals.

import { type CommandRunOptions, runControllerCommand } from "@sluice/runtime/flags";
import { createSourceController, type SourceController } from "./controller.js";
import { parseSourceControllerFlags, USAGE } from "./flags.js";

/** Process-level inputs of {@link runSourceController} (the real process's by default). */
export interface RunOptions extends CommandRunOptions<SourceController> {
  env?: NodeJS.ProcessEnv;
  cwd?: string;
}

/**
 * Runs the source-controller with command-line `argv` (Flux's flags, see {@link USAGE}) until the signal
 * aborts; resolves with the exit code: 0 after a clean stop or `--help`, 2 for bad flags, 1 when the
 * controller failed (e.g. lost leadership, caches not syncing, the storage address in use).
 */
export function runSourceController(argv: readonly string[], options: RunOptions = {}): Promise<number> {
  return runControllerCommand(
    {
      name: "source-controller",
      parse: (args) => parseSourceControllerFlags(args, options.env ?? process.env, options.cwd ?? process.cwd()),
      usage: USAGE,
      create: (flags, kubeConfig, logger) => createSourceController({ ...flags.controller, kubeConfig, logger }),
    },
    argv,
    options,
  );
}
