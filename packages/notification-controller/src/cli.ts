// The notification-controller command: flags → logger and kubeconfig → createNotificationController → run
// until the process is told to stop. main.ts calls it with the process's arguments and signals.

import { type CommandRunOptions, runControllerCommand } from "@sluice/runtime/flags";
import { createNotificationController, type NotificationController } from "./controller.js";
import { parseNotificationControllerFlags, USAGE } from "./flags.js";

/** Process-level inputs of {@link runNotificationController} (the real process's by default). */
export interface RunOptions extends CommandRunOptions<NotificationController> {
  env?: NodeJS.ProcessEnv;
}

/**
 * Runs the notification-controller with command-line `argv` (Flux's flags, see {@link USAGE}) until the
 * signal aborts; resolves with the exit code: 0 after a clean stop or `--help`, 2 for bad flags, 1 when the
 * controller failed.
 */
export function runNotificationController(argv: readonly string[], options: RunOptions = {}): Promise<number> {
  return runControllerCommand(
    {
      name: "notification-controller",
      parse: (args) => parseNotificationControllerFlags(args, options.env ?? process.env),
      usage: USAGE,
      create: (flags, kubeConfig, logger) => createNotificationController({ ...flags.controller, kubeConfig, logger }),
    },
    argv,
    options,
  );
}
