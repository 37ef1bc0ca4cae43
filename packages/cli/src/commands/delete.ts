// `sluice delete source <kind> <name>` and `sluice delete kustomization|helmrelease <name> [--silent]`.

import { createInterface } from "node:readline/promises";
import type { Command } from "commander";
import type { CommandKit } from "../command-kit.js";
import { CliError } from "../errors.js";
import { getObject } from "../lib/get-object.js";
import { addKindCommands } from "../lib/kind-commands.js";
import { Progress } from "../lib/progress.js";

/** Registers `sluice delete …`. */
export function registerDelete(program: Command, kit: CommandKit): void {
  const verb = program.command("delete").description("Delete sources and resources");
  addKindCommands(
    verb,
    "<name>",
    (k) => `Delete a ${k.kind} resource`,
    (cmd, kind) => {
      cmd.option("-s, --silent", "delete without asking for confirmation");
      cmd.action(
        kit.action(async (ctx, opts, args) => {
          const name = args[0]!;
          const label = kind.source ? `source ${kind.name}` : kind.name;
          await getObject(ctx, kind, name);
          if (!opts["silent"]) {
            if (!ctx.io.isTTY) throw new CliError("refusing to delete without confirmation: use --silent");
            const rl = createInterface({ input: process.stdin, output: process.stderr });
            const answer = await rl.question(`Are you sure you want to delete this ${label}? [y/N] `);
            rl.close();
            if (!/^y(es)?$/i.test(answer.trim())) throw new CliError("aborting");
          }
          const p = new Progress(ctx.io);
          p.action(`deleting ${label} ${name} in ${ctx.namespace} namespace`);
          const ref = { apiVersion: kind.apiVersion, kind: kind.kind, namespace: ctx.namespace, name };
          // As flux: the request is the deletion; the controller's finalizer completes it in the background.
          await ctx.kube().delete(ref);
          p.success(`${label} deleted`);
        }),
      );
    },
  );
}
