// The kustomize-controller command: flags → logger and kubeconfig → createKustomizeController → run until
// the process is told to stop. main.ts calls it with the process's arguments and signals.

import { type CommandRunOptions, runControllerCommand } from "@sluice/runtime/flags";
import { createKustomizeController, type KustomizeController } from "./controller.js";
import { parseKustomizeControllerFlags, USAGE } from "./flags.js";

/** Process-level inputs of {@link runKustomizeController} (the real process's by default). */
export interface RunOptions extends CommandRunOptions<KustomizeController> {
  env?: NodeJS.ProcessEnv;
}

/**
 * Runs the kustomize-controller with command-line `argv` (Flux's flags, see {@link USAGE}) until the signal
 * aborts; resolves with the exit code: 0 after a clean stop or `--help`, 2 for bad flags, 1 when the
 * controller failed (lost leadership, caches not syncing, …).
 */
export function runKustomizeController(argv: readonly string[], options: RunOptions = {}): Promise<number> {
  return runControllerCommand(
    {
      name: "kustomize-controller",
      parse: (args) => parseKustomizeControllerFlags(args, options.env ?? process.env),
      usage: USAGE,
      create: (flags, kubeConfig, logger) => createKustomizeController({ ...flags.controller, kubeConfig, logger }),
    },
    argv,
    options,
  );
}
