// `sluice get sources <kind>|all`, `sluice get kustomizations|helmreleases|all`: flux's status tables.

import type { UnstructuredObject } from "@sluice/runtime";
import type { Command } from "commander";
import type { CommandKit } from "../command-kit.js";
import type { CommandContext } from "../context.js";
import { APPLIER_KINDS, type CliKind, HELMRELEASE, KUSTOMIZATION, SOURCE_KINDS } from "../kinds.js";
import { listKind } from "../lib/list.js";
import { isSuspended, readyOf, revisionOf } from "../lib/object-status.js";
import { Progress } from "../lib/progress.js";
import { formatTable } from "../lib/table.js";

/** Registers `sluice get …`. */
export function registerGet(program: Command, kit: CommandKit): void {
  const get = program.command("get").description("Get the resources and their status");
  const allNs = (c: Command) => c.option("-A, --all-namespaces", "list the requested object(s) across all namespaces");

  const sources = get.command("sources").alias("source").description("Get source statuses");
  for (const kind of SOURCE_KINDS) {
    allNs(sources.command(kind.name).description(`Get ${kind.kind} source statuses`)).action(
      kit.action((ctx, opts) => printKinds(ctx, [kind], Boolean(opts["allNamespaces"]), false)),
    );
  }
  allNs(sources.command("all").description("Get all source statuses")).action(
    kit.action((ctx, opts) => printKinds(ctx, SOURCE_KINDS, Boolean(opts["allNamespaces"]), true)),
  );
  allNs(
    get.command("kustomizations").alias("ks").alias("kustomization").description("Get Kustomization statuses"),
  ).action(kit.action((ctx, opts) => printKinds(ctx, [KUSTOMIZATION], Boolean(opts["allNamespaces"]), false)));
  allNs(get.command("helmreleases").alias("hr").alias("helmrelease").description("Get HelmRelease statuses")).action(
    kit.action((ctx, opts) => printKinds(ctx, [HELMRELEASE], Boolean(opts["allNamespaces"]), false)),
  );
  allNs(get.command("all").description("Get all resources and statuses")).action(
    kit.action((ctx, opts) =>
      printKinds(ctx, [...SOURCE_KINDS, ...APPLIER_KINDS], Boolean(opts["allNamespaces"]), true),
    ),
  );
}

/** One status row of an object (without namespace). */
export function statusRow(obj: UnstructuredObject, qualified: boolean): string[] {
  const ready = readyOf(obj);
  const name = qualified ? `${obj.kind.toLowerCase()}/${obj.metadata.name}` : (obj.metadata.name ?? "");
  return [name, revisionOf(obj), isSuspended(obj) ? "True" : "False", ready.status, ready.message];
}

async function printKinds(
  ctx: CommandContext,
  kinds: readonly CliKind[],
  allNamespaces: boolean,
  many: boolean,
): Promise<void> {
  const header = ["NAME", "REVISION", "SUSPENDED", "READY", "MESSAGE"];
  if (allNamespaces) header.unshift("NAMESPACE");
  const sections: string[] = [];
  for (const kind of kinds) {
    const items = await listKind(ctx, kind, allNamespaces, many);
    if (items.length === 0) {
      if (!many) {
        new Progress(ctx.io).failure(
          allNamespaces
            ? `no ${kind.kind} objects found in any namespace`
            : `no ${kind.kind} objects found in ${ctx.namespace} namespace`,
        );
      }
      continue;
    }
    const rows = items.map((obj) => {
      const row = statusRow(obj, many);
      if (allNamespaces) row.unshift(obj.metadata.namespace ?? "");
      return row;
    });
    sections.push(formatTable(header, rows, ctx.io.columns));
  }
  if (many && sections.length === 0) {
    new Progress(ctx.io).failure(
      allNamespaces ? "no Flux objects found in any namespace" : `no Flux objects found in ${ctx.namespace} namespace`,
    );
  }
  ctx.io.stdout.write(sections.join("\n"));
}
