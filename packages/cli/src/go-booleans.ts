// Go-style boolean flags (`--prune=true`, `--wait=false`, `--watch-all-namespaces=0`), as the flux CLI's
// pflag accepts them, rewritten into the forms commander knows (`--prune`, `--no-watch-all-namespaces`, or
// nothing for a default) before parsing.

import type { Command, Option } from "commander";

const TRUE = new Set(["1", "t", "T", "true", "TRUE", "True"]);
const FALSE = new Set(["0", "f", "F", "false", "FALSE", "False"]);

function findOption(chain: readonly Command[], flag: string): Option | undefined {
  for (const cmd of chain) {
    const found = cmd.options.find((o) => o.long === flag || o.short === flag);
    if (found) return found;
  }
  return undefined;
}

function subcommand(cmd: Command, name: string): Command | undefined {
  return cmd.commands.find((c) => c.name() === name || c.aliases().includes(name));
}

/**
 * Rewrites `--flag=<bool>` for every boolean flag of the command being run (and its parents): true → `--flag`,
 * false → `--no-flag` when that negation exists, else dropped (false is the default). A flag declared only as
 * `--no-flag` works the other way round. Values Go would refuse are left for commander to report.
 */
export function normalizeGoBooleans(program: Command, argv: readonly string[]): string[] {
  const out: string[] = [];
  const chain: Command[] = [program];
  let skipValue = false;
  for (let i = 0; i < argv.length; i++) {
    const token = argv[i] as string;
    if (token === "--") {
      out.push(...argv.slice(i));
      break;
    }
    if (skipValue) {
      skipValue = false;
      out.push(token);
      continue;
    }
    if (!token.startsWith("-")) {
      const sub = subcommand(chain[0] as Command, token);
      if (sub) chain.unshift(sub);
      out.push(token);
      continue;
    }
    const eq = token.indexOf("=");
    if (!token.startsWith("--") || eq < 0) {
      // A flag taking a value: the next token is that value, not a subcommand.
      if (findOption(chain, token)?.required) skipValue = true;
      out.push(token);
      continue;
    }
    const long = token.slice(0, eq);
    const value = token.slice(eq + 1);
    const bool = TRUE.has(value) ? true : FALSE.has(value) ? false : undefined;
    const positive = findOption(chain, long);
    const negative = findOption(chain, `--no-${long.slice(2)}`);
    if (bool === undefined || (positive && !positive.isBoolean()) || (!positive && !negative)) {
      out.push(token);
      continue;
    }
    if (bool) {
      if (positive) out.push(long);
      continue;
    }
    if (negative) out.push(`--no-${long.slice(2)}`);
  }
  return out;
}
