// The source-watcher command: flags → logger and kubeconfig → createSourceWatcher → run until the process is
// told to stop. main.ts calls it with the process's arguments and signals.

import { type CommandRunOptions, runControllerCommand } from "@sluice/runtime";
import { createSourceWatcher, type SourceWatcher } from "./controller.js";
import { parseSourceWatcherFlags, USAGE } from "./flags.js";

/** Process-level inputs of {@link runSourceWatcher} (the real process's by default). */
export interface RunOptions extends CommandRunOptions<SourceWatcher> {
  env?: NodeJS.ProcessEnv;
  cwd?: string;
}

/**
 * Runs the source-watcher with command-line `argv` (Flux's flags, see {@link USAGE}) until the signal aborts;
 * resolves with the exit code: 0 after a clean stop or `--help`, 2 for bad flags, 1 when it failed.
 */
export function runSourceWatcher(argv: readonly string[], options: RunOptions = {}): Promise<number> {
  return runControllerCommand(
    {
      name: "source-watcher",
      parse: (args) => parseSourceWatcherFlags(args, options.env ?? process.env, options.cwd ?? process.cwd()),
      usage: USAGE,
      create: (flags, kubeConfig, logger) => createSourceWatcher({ ...flags.controller, kubeConfig, logger }),
    },
    argv,
    options,
  );
}
