// `sluice version`: the CLI version, the API server's version and the installed controllers' image tags.

import type { UnstructuredObject } from "@sluice/runtime/kube";
import type { Command } from "commander";
import type { CommandKit } from "../command-kit.js";
import type { CommandContext } from "../context.js";
import { CliError } from "../errors.js";
import { CLI_VERSION } from "../version.js";

/** Registers `sluice version [--client]`. */
export function registerVersion(program: Command, kit: CommandKit): void {
  program
    .command("version")
    .description("Print the client and server-side components version information")
    .option("--client", "print only the client version")
    .option(
      "-o, --output <format>",
      "the format in which the information should be printed. can be 'json' or 'yaml'",
      "yaml",
    )
    .action(
      kit.action(async (ctx, opts) => {
        const output = String(opts["output"]);
        if (output !== "yaml" && output !== "json") throw new CliError(`--output must be json or yaml, not ${output}`);
        const info: Record<string, string> = { sluice: `v${CLI_VERSION}` };
        const print = () => {
          if (output === "json") ctx.out(JSON.stringify(info, null, 2));
          else for (const [k, v] of Object.entries(info)) ctx.out(`${k}: ${v}`);
        };
        if (opts["client"]) return print();
        info["kubernetes"] = await serverVersion(ctx);
        // The controllers installed in the namespace, by the tag of their image (as flux version).
        const deployments = await ctx.kube().list<UnstructuredObject>("apps/v1", "Deployment", {
          namespace: ctx.namespace,
          labelSelector: "app.kubernetes.io/part-of in (sluice,flux)",
        });
        for (const d of deployments.items.sort((a, b) =>
          (a.metadata.name ?? "").localeCompare(b.metadata.name ?? ""),
        )) {
          const spec = d["spec"] as { template?: { spec?: { containers?: { image?: string }[] } } } | undefined;
          const image = spec?.template?.spec?.containers?.[0]?.image ?? "";
          const at = image.lastIndexOf(":");
          info[d.metadata.name ?? ""] = at > image.lastIndexOf("/") ? image.slice(at + 1) : image;
        }
        print();
      }),
    );
}

/** The API server's `gitVersion` from `/version`. */
export async function serverVersion(ctx: CommandContext): Promise<string> {
  const info = (await ctx.kube().request({ method: "GET", path: "/version" })) as { gitVersion?: string };
  return info.gitVersion ?? "unknown";
}
