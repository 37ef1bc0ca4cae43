// `sluice version`: the CLI version, the API server's version and the installed controllers' image tags.

import type { UnstructuredObject } from "@sluice/runtime/kube";
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
          ctx.out(`${d.metadata.name}: ${at > image.lastIndexOf("/") ? image.slice(at + 1) : image}`);
        }
      }),
    );
}

/** The API server's `gitVersion` from `/version`. */
export async function serverVersion(ctx: CommandContext): Promise<string> {
  const info = (await ctx.kube().request({ method: "GET", path: "/version" })) as { gitVersion?: string };
  return info.gitVersion ?? "unknown";
}
