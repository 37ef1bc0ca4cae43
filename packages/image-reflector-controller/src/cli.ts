// The image-reflector-controller command: flags → logger and kubeconfig → createImageReflectorController →
// run until the process is told to stop.

import { type CommandRunOptions, runControllerCommand } from "@sluice/runtime";
import { createImageReflectorController, type ImageReflectorController } from "./controller.js";
import { parseImageReflectorControllerFlags, USAGE } from "./flags.js";

/** Process-level inputs of {@link runImageReflectorController}. */
export interface RunOptions extends CommandRunOptions<ImageReflectorController> {
  env?: NodeJS.ProcessEnv;
}

/**
 * Runs the image-reflector-controller with `argv` (Flux's flags, see {@link USAGE}) until the signal aborts;
 * resolves with the exit code: 0 after a clean stop or `--help`, 2 for bad flags, 1 on failure.
 */
export function runImageReflectorController(argv: readonly string[], options: RunOptions = {}): Promise<number> {
  return runControllerCommand(
    {
      name: "image-reflector-controller",
      parse: (args) => parseImageReflectorControllerFlags(args, options.env ?? process.env),
      usage: USAGE,
      create: (flags, kubeConfig, logger) =>
        createImageReflectorController({ ...flags.controller, kubeConfig, logger }),
    },
    argv,
    options,
  );
}
