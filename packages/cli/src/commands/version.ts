// `sluice version`: the CLI version and, when asked for the server too, the API server's version.

import type { Command } from "commander";
import type { CommandKit } from "../command-kit.js";
import type { CommandContext } from "../context.js";
import { CLI_VERSION } from "../version.js";

/** Registers `sluice version [--client]`. */
export function registerVersion(program: Command, kit: CommandKit): void {
  program
    .command("version")
    .description("Print the client and server-side components version information")
    .option("--client", "print only the client version")
    .action(
      kit.action(async (ctx, opts) => {
        ctx.out(`sluice: v${CLI_VERSION}`);
        if (opts["client"]) return;
        ctx.out(`kubernetes: ${await serverVersion(ctx)}`);
      }),
    );
}

/** The API server's `gitVersion` from `/version`. */
export async function serverVersion(ctx: CommandContext): Promise<string> {
  const info = (await ctx.kube().request({ method: "GET", path: "/version" })) as { gitVersion?: string };
  return info.gitVersion ?? "unknown";
}
