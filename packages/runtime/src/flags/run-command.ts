// A controller process's run loop: flags → usage / exit 2 → logger → kubeconfig → create → start → exit code.

import type { Writable } from "node:stream";
import { KubeConfig } from "../kube/index.js";
import { createLogger, type LogEncoding, type Logger, type LogLevel } from "../logging/index.js";
import type { Manager } from "../manager/index.js";

/** What {@link runControllerCommand} needs from a controller's parsed flags. */
export interface CommandFlags {
  /** `--kubeconfig` (default: KUBECONFIG, ~/.kube/config or in-cluster). */
  kubeconfig: string | undefined;
  /** `--log-level`. */
  logLevel: LogLevel;
  /** `--log-encoding`. */
  logEncoding: LogEncoding;
  /** `--help` was given. */
  help: boolean;
}

/** What {@link runControllerCommand} needs from a created controller. */
export interface CommandController {
  readonly manager: Pick<Manager, "handleSignals">;
  start(signal: AbortSignal): Promise<void>;
}

/** Process-level inputs of a controller command (the real process's by default). */
export interface CommandRunOptions<C> {
  /** Stops the controller; default SIGTERM/SIGINT through the manager's signal handling. */
  signal?: AbortSignal;
  /** Where logs go (default stdout). */
  logDestination?: Writable;
  /** Where usage and flag errors go (default stderr / stdout for --help). */
  stderr?: Writable;
  stdout?: Writable;
  /** Called once the controller is created and starting. */
  onStart?: (controller: C) => void;
}

/** How one controller's command is made: its name, flag parser, usage text and factory. */
export interface ControllerCommand<F extends CommandFlags, C extends CommandController> {
  /** e.g. `source-controller` (logger base field and log messages). */
  name: string;
  /** Parses the arguments; throws with a message naming the flag. */
  parse: (argv: readonly string[]) => F;
  /** Printed for `--help` and after a flag error. */
  usage: string;
  /** Creates the controller from the parsed flags. */
  create: (flags: F, kubeConfig: KubeConfig, logger: Logger) => C;
}

/**
 * Runs a controller with command-line `argv` until the signal aborts; resolves with the exit code: 0 after a
 * clean stop or `--help`, 2 for bad flags, 1 when the controller failed.
 */
export async function runControllerCommand<F extends CommandFlags, C extends CommandController>(
  command: ControllerCommand<F, C>,
  argv: readonly string[],
  options: CommandRunOptions<C> = {},
): Promise<number> {
  const stderr = options.stderr ?? process.stderr;
  const stdout = options.stdout ?? process.stdout;
  let flags: F;
  try {
    flags = command.parse(argv);
  } catch (err: unknown) {
    stderr.write(`${err instanceof Error ? err.message : String(err)}\n\n${command.usage}`);
    return 2;
  }
  if (flags.help) {
    stdout.write(command.usage);
    return 0;
  }
  const logger = await createLogger({
    level: flags.logLevel,
    encoding: flags.logEncoding,
    base: { controller: command.name },
    ...(options.logDestination ? { destination: options.logDestination } : {}),
  });
  try {
    const kubeConfig = new KubeConfig();
    if (flags.kubeconfig) kubeConfig.loadFromFile(flags.kubeconfig);
    else kubeConfig.loadFromDefault();
    const controller = command.create(flags, kubeConfig, logger);
    const signal = options.signal ?? controller.manager.handleSignals();
    logger.info(`starting ${command.name}`);
    const running = controller.start(signal);
    options.onStart?.(controller);
    await running;
    logger.info(`${command.name} stopped`);
    return 0;
  } catch (err: unknown) {
    logger.error({ error: err }, `${command.name} failed`);
    return 1;
  }
}
