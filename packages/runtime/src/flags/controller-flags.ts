// A controller's command line from one table: the shared flags plus the controller's own, parsed into the
// options of its create…Controller and printed by `--help`.

import { type CommonFlagValues, commonControllerFlags } from "./common-options.js";
import { type FlagTable, flagUsage, parseArgsOptions } from "./flag-table.js";
import {
  type CommonControllerFlags,
  type CommonControllerSettings,
  commandFlags,
  parseCommonControllerFlags,
  parseFlagValues,
} from "./parse-common.js";
import type { CommandFlags } from "./run-command.js";

/** The value parseArgs gives for one flag spec. */
type SpecValue<S> = S extends { type: "boolean" }
  ? S extends { multiple: true }
    ? boolean[]
    : boolean
  : S extends { multiple: true }
    ? string[]
    : string;

/** The parsed values of a flag table: flags with a default always have a value. */
export type FlagTableValues<T extends FlagTable> = {
  -readonly [K in keyof T]: T[K] extends { default: unknown } ? SpecValue<T[K]> : SpecValue<T[K]> | undefined;
};

/** Parses `argv` against `table` (see `parseFlagValues`: Go-style booleans, unknown flags refused). */
export function parseFlagTable<const T extends FlagTable>(argv: readonly string[], table: T): FlagTableValues<T> {
  return parseFlagValues(argv, parseArgsOptions(table)) as FlagTableValues<T>;
}

/** Where a controller's own options are read from, besides its flags. */
export interface FlagContext {
  /** The environment (RUNTIME_NAMESPACE and the controller's own fallbacks). */
  env: NodeJS.ProcessEnv;
  /** The working directory (for relative defaults such as source-controller's `./bin`). */
  cwd: string;
}

/** A controller's command line, as {@link defineControllerFlags} makes it. */
export interface ControllerFlags<C> {
  /** The `--help` text. */
  readonly usage: string;
  /**
   * Parses `argv`: the shared settings and the controller's own options in `controller`, `--kubeconfig`,
   * logging and `--help` beside them. Throws `InvalidFlagError` (or node's parseArgs error for an unknown
   * flag) naming the flag.
   */
  parse(argv: readonly string[], env?: NodeJS.ProcessEnv, cwd?: string): ControllerCommandFlags<C>;
}

/** What a controller's command line configures: its create…Controller options plus process-level settings. */
export interface ControllerCommandFlags<C> extends CommandFlags {
  /** The options for the controller's create…Controller (without kubeconfig, client and logger). */
  controller: CommonControllerSettings & C;
  /** RUNTIME_NAMESPACE (default `flux-system`). */
  runtimeNamespace: string;
}

/** What {@link defineControllerFlags} needs to know about a controller. */
export interface ControllerFlagsDefinition<T extends FlagTable, C> {
  /** The command's name, e.g. `source-controller`. */
  name: string;
  /** The leader election Lease name. */
  leaseName: string;
  /** Default `--concurrent`. */
  concurrency: number;
  /** What `--concurrent` counts, for `--help`. */
  concurrentHelp: string;
  /**
   * The controller's own flags (with the {@link SHARED_FLAGS} it has), in `--help` order; a flag named like a
   * shared one replaces it.
   */
  flags: T;
  /** The controller's own options from its flags' values; throws `InvalidFlagError` naming a bad flag. */
  options: (values: FlagTableValues<T>, context: FlagContext) => C;
}

/**
 * Defines a controller's command line: Flux's shared flags ({@link commonControllerFlags}) and the
 * controller's own, parsed by one call and described by one generated `--help` text (`--concurrent`, the
 * controller's flags, then the shared ones).
 */
export function defineControllerFlags<const T extends FlagTable, C>(
  definition: ControllerFlagsDefinition<T, C>,
): ControllerFlags<C> {
  const { concurrent, ...shared } = commonControllerFlags(definition.concurrency, definition.concurrentHelp);
  // A controller's own row replaces a shared one of the same name (notification-controller's `--events-addr`
  // is where it listens, not where it posts), keeping its place among the controller's flags.
  const table: FlagTable = { concurrent, ...definition.flags };
  for (const [name, spec] of Object.entries(shared)) if (!Object.hasOwn(table, name)) table[name] = spec;
  const usage = `Usage: ${definition.name} [flags]\n\n${flagUsage(table)}\n`;
  return {
    usage,
    parse(argv, env = process.env, cwd = process.cwd()) {
      const values = parseFlagTable(argv, table);
      const common: CommonControllerFlags = parseCommonControllerFlags(
        values as unknown as CommonFlagValues,
        env,
        definition.leaseName,
      );
      const own = definition.options(values as unknown as FlagTableValues<T>, { env, cwd });
      return {
        ...commandFlags(common),
        runtimeNamespace: common.runtimeNamespace,
        controller: { ...common.controller, ...own },
      };
    },
  };
}
