// A flag table: each flag's parseArgs option and its `--help` line in one row, so the usage text is made from
// the flags themselves and cannot drift from them.

import type { FlagOptionTable } from "./go-bool.js";

/** One command-line flag: how parseArgs reads it and how `--help` describes it. */
export interface FlagSpec {
  type: "string" | "boolean";
  /** The flag may be repeated (values collected in order). */
  multiple?: boolean;
  /** One-letter alias (`-h`). */
  short?: string;
  /** Value when the flag is not given; a non-empty string or `true` is shown as `(default …)` in `--help`. */
  default?: string | boolean | string[];
  /** Placeholder of the value in `--help` (`string`, `int`, `dur`, …); booleans take none. */
  arg?: string;
  /** What the flag does, for `--help` (without the default, which is added). */
  help: string;
}

/** Flags by name (without the leading `--`), in `--help` order. */
export type FlagTable = Record<string, FlagSpec>;

/** Width of the flag column in `--help` (a flag leaving less than two spaces gets its text on the next line). */
const FLAG_COLUMN = 38;

/** The parseArgs option table of `table` (the help texts left out). */
export function parseArgsOptions(table: FlagTable): FlagOptionTable {
  const options: FlagOptionTable = {};
  for (const [name, spec] of Object.entries(table)) {
    options[name] = {
      type: spec.type,
      ...(spec.multiple ? { multiple: true } : {}),
      ...(spec.short ? { short: spec.short } : {}),
      ...(spec.default !== undefined ? { default: spec.default } : {}),
    } as FlagOptionTable[string];
  }
  return options;
}

/** The `--help` lines of `table`, one per flag in table order, the descriptions aligned. */
export function flagUsage(table: FlagTable): string {
  const lines: string[] = [];
  for (const [name, spec] of Object.entries(table)) {
    const flag = `${spec.short ? `-${spec.short}, ` : ""}--${name}${spec.arg ? ` ${spec.arg}` : ""}`;
    const shown =
      spec.default === true || (typeof spec.default === "string" && spec.default !== "")
        ? ` (default ${spec.default})`
        : "";
    const text = `${spec.help}${shown}`;
    if (flag.length <= FLAG_COLUMN - 2) lines.push(`  ${flag.padEnd(FLAG_COLUMN)}${text}`);
    else lines.push(`  ${flag}`, `  ${"".padEnd(FLAG_COLUMN)}${text}`);
  }
  return lines.join("\n");
}
