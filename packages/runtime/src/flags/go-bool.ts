// Go's flag package accepts `--bool=true` and `--bool=false`; node's parseArgs (Node 20) does not.

import type { ParseArgsConfig } from "node:util";

/** A parseArgs option table. */
export type FlagOptionTable = NonNullable<ParseArgsConfig["options"]>;

/**
 * Turns `--b=true` into `--b` and takes `--b=false` out for the boolean options of `options`, returning
 * the remaining arguments and the names set to false.
 */
export function splitGoBooleanValues(
  argv: readonly string[],
  options: FlagOptionTable,
): { args: string[]; falseFlags: string[] } {
  const args: string[] = [];
  const falseFlags: string[] = [];
  for (const arg of argv) {
    const m = /^--([a-z-]+)=(true|false)$/.exec(arg);
    const name = m?.[1];
    if (m && name && Object.hasOwn(options, name) && options[name]?.type === "boolean") {
      if (m[2] === "true") args.push(`--${name}`);
      else falseFlags.push(name);
      continue;
    }
    args.push(arg);
  }
  return { args, falseFlags };
}
