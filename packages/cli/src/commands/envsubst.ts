// `sluice envsubst [--strict]`: substitutes `${VAR}` expressions in standard input with environment variables,
// line by line, with the syntax kustomize-controller's post-build substitution uses (@sluice/kustomize), as
// flux envsubst.

import { createInterface } from "node:readline";
import type { Command } from "commander";
import type { CommandKit } from "../command-kit.js";
import { CliError, errorMessage } from "../errors.js";

/** Registers `sluice envsubst`. */
export function registerEnvsubst(program: Command, kit: CommandKit): void {
  program
    .command("envsubst")
    .description(
      "Substitute the values of environment variables in standard input, as the Kustomization post-build substitution does",
    )
    .option(
      "--strict",
      "fail if a variable without a default value is declared in the input but is missing from the environment",
    )
    .action(
      kit.action(async (ctx, opts) => {
        const { envsubst } = await import("@sluice/kustomize");
        const env = ctx.io.env;
        const strict = Boolean(opts["strict"]);
        const lookup = (name: string): [string, boolean] => {
          const value = env[name];
          return [value ?? "", strict ? value !== undefined : true];
        };
        if (!ctx.io.stdin) return 0;
        const lines = createInterface({ input: ctx.io.stdin, crlfDelay: Number.POSITIVE_INFINITY });
        for await (const line of lines) {
          try {
            ctx.out(envsubst(line, lookup));
          } catch (err: unknown) {
            throw new CliError(errorMessage(err));
          }
        }
        return 0;
      }),
    );
}
