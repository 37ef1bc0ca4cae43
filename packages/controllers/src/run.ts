// `sluice-controller <controller> [flags]`: picks the controller named by the first argument and hands it the
// remaining arguments (its own flags, Flux's names). The container image's entry point runs this.

import type { Writable } from "node:stream";
import { CONTROLLERS, controllerNames } from "./controllers.js";

/** Where {@link runController} writes its own usage and errors (the controller writes its own). */
export interface DispatchOutput {
  stdout?: Writable;
  stderr?: Writable;
}

/** The usage text of `sluice-controller`. */
export function usage(): string {
  return `Usage: sluice-controller <controller> [flags]

Runs one Sluice controller. Controllers:
${controllerNames()
  .map((n) => `  ${n}`)
  .join("\n")}

Run 'sluice-controller <controller> --help' for the controller's flags.
`;
}

/**
 * Runs the controller named by `argv[0]` with the rest of `argv`; resolves with the exit code: the
 * controller's own, 0 for `--help`/`-h` without a controller, 2 when the controller is missing or unknown.
 */
export async function runController(argv: readonly string[], output: DispatchOutput = {}): Promise<number> {
  const stdout = output.stdout ?? process.stdout;
  const stderr = output.stderr ?? process.stderr;
  const [name, ...rest] = argv;
  if (name === "--help" || name === "-h" || name === "help") {
    stdout.write(usage());
    return 0;
  }
  if (name === undefined || name === "") {
    stderr.write(`missing controller name\n\n${usage()}`);
    return 2;
  }
  const command = Object.hasOwn(CONTROLLERS, name) ? CONTROLLERS[name] : undefined;
  if (!command) {
    stderr.write(`unknown controller "${name}": want one of ${controllerNames().join(", ")}\n\n${usage()}`);
    return 2;
  }
  return command(rest);
}
