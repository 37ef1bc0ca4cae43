// The helm-controller command: flags → logger and kubeconfig → createHelmController → run until the
// process is told to stop. main.ts calls it with the process's arguments and signals.

import { type CommandRunOptions, runControllerCommand } from "@sluice/runtime";
import { createHelmController, type HelmController } from "./controller.js";
import { parseHelmControllerFlags, USAGE } from "./flags.js";

/** Process-level inputs of {@link runHelmController} (the real process's by default). */
export interface RunOptions extends CommandRunOptions<HelmController> {
  env?: NodeJS.ProcessEnv;
}

/**
 * Runs the helm-controller with command-line `argv` (Flux's flags, see {@link USAGE}) until the signal
 * aborts; resolves with the exit code: 0 after a clean stop or `--help`, 2 for bad flags, 1 when the
 * controller failed (lost leadership, caches not syncing, …).
 */
export function runHelmController(argv: readonly string[], options: RunOptions = {}): Promise<number> {
  return runControllerCommand(
    {
      name: "helm-controller",
      parse: (args) => parseHelmControllerFlags(args, options.env ?? process.env),
      usage: USAGE,
      create: (flags, kubeConfig, logger) => createHelmController({ ...flags.controller, kubeConfig, logger }),
    },
    argv,
    options,
  );
}
