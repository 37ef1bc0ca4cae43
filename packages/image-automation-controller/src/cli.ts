// The image-automation-controller command: flags → logger and kubeconfig → createImageAutomationController →
// run until the process is told to stop.

import { type CommandRunOptions, runControllerCommand } from "@sluice/runtime";
import { createImageAutomationController, type ImageAutomationController } from "./controller.js";
import { parseImageAutomationControllerFlags, USAGE } from "./flags.js";

/** Process-level inputs of {@link runImageAutomationController}. */
export interface RunOptions extends CommandRunOptions<ImageAutomationController> {
  env?: NodeJS.ProcessEnv;
}

/** Runs the image-automation-controller with `argv` until the signal aborts; resolves with the exit code. */
export function runImageAutomationController(argv: readonly string[], options: RunOptions = {}): Promise<number> {
  return runControllerCommand(
    {
      name: "image-automation-controller",
      parse: (args) => parseImageAutomationControllerFlags(args, options.env ?? process.env),
      usage: USAGE,
      create: (flags, kubeConfig, logger) =>
        createImageAutomationController({ ...flags.controller, kubeConfig, logger }),
    },
    argv,
    options,
  );
}
