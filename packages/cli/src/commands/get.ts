// `sluice get sources <kind>|all`, `sluice get kustomizations|helmreleases|all`: flux's status tables.

import type { UnstructuredObject } from "@sluice/runtime/kube";
import type { Command } from "commander";
import type { CommandKit, Opts } from "../command-kit.js";
import type { CommandContext } from "../context.js";
import { CliError } from "../errors.js";
import { APPLIER_KINDS, type CliKind, HELMRELEASE, KUSTOMIZATION, SOURCE_KINDS } from "../kinds.js";
import { crdMissingMessage, isKindNotServed } from "../lib/explain-error.js";
import { listKind } from "../lib/list.js";
import { conditionOf, isSuspended, readyOf, revisionOf } from "../lib/object-status.js";
import { Progress } from "../lib/progress.js";
import { formatTable } from "../lib/table.js";
import { watchKind } from "./get-watch.js";

/** Registers `sluice get …`. */
export function registerGet(program: Command, kit: CommandKit): void {
  const get = program.command("get").description("Get the resources and their status");
  const allNs = (c: Command) =>
    c
      .option("-A, --all-namespaces", "list the requested object(s) across all namespaces")
      .option("--status-selector <type=status>", "show only objects with this condition status, e.g. ready=false")
      .option("-l, --label-selector <selector>", "filter objects by label selector, e.g. app=podinfo,env!=dev")
      .option("--no-header", "skip the header when printing the results")
      .option("-w, --watch", "after listing/getting the requested object, watch for changes");

  const sources = get.command("sources").alias("source").description("Get source statuses");
  for (const kind of SOURCE_KINDS) {
    allNs(sources.command(`${kind.name} [name]`).description(`Get ${kind.kind} source statuses`)).action(
      kit.action((ctx, opts, args) => printKinds(ctx, [kind], opts, false, args[0])),
    );
  }
  allNs(sources.command("all").description("Get all source statuses")).action(
    kit.action((ctx, opts) => printKinds(ctx, SOURCE_KINDS, opts, true)),
  );
  allNs(
    get.command("kustomizations [name]").alias("ks").alias("kustomization").description("Get Kustomization statuses"),
  ).action(kit.action((ctx, opts, args) => printKinds(ctx, [KUSTOMIZATION], opts, false, args[0])));
  allNs(
    get.command("helmreleases [name]").alias("hr").alias("helmrelease").description("Get HelmRelease statuses"),
  ).action(kit.action((ctx, opts, args) => printKinds(ctx, [HELMRELEASE], opts, false, args[0])));
  allNs(get.command("all").description("Get all resources and statuses")).action(
    kit.action((ctx, opts) => printKinds(ctx, [...SOURCE_KINDS, ...APPLIER_KINDS], opts, true)),
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
  opts: Opts,
  many: boolean,
  name?: string,
): Promise<number | undefined> {
  const allNamespaces = Boolean(opts["allNamespaces"]);
  const selector = statusSelector(opts["statusSelector"]);
  const labelSelector = typeof opts["labelSelector"] === "string" ? opts["labelSelector"] : undefined;
  const header = ["NAME", "REVISION", "SUSPENDED", "READY", "MESSAGE"];
  if (allNamespaces) header.unshift("NAMESPACE");
  const showHeader = opts["header"] !== false;
  const matches = (obj: UnstructuredObject) =>
    (name === undefined || obj.metadata.name === name) && (!selector || selectorMatches(obj, selector));
  if (opts["watch"]) {
    if (many) throw new CliError("expected a single resource type, but found all");
    await watchKind(ctx, kinds[0]!, {
      allNamespaces,
      labelSelector,
      matches,
      header: showHeader ? header : undefined,
      row: (obj) => statusRow(obj, false),
    });
    return;
  }
  const sections: string[] = [];
  for (const kind of kinds) {
    const items = (await listKind(ctx, kind, allNamespaces, many, labelSelector)).filter(matches);
    if (items.length === 0) {
      if (name !== undefined) {
        throw new CliError(
          `${kind.kind} object '${name}' not found in ${allNamespaces ? "any" : `"${ctx.namespace}"`} namespace`,
        );
      }
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
    sections.push(formatTable(showHeader ? header : undefined, rows, ctx.io.columns));
  }
  if (many && sections.length === 0 && !(await anyServed(ctx, kinds))) {
    throw new CliError(crdMissingMessage(`Flux (${kinds.map((k) => k.kind).join(", ")})`));
  }
  if (many && sections.length === 0) {
    new Progress(ctx.io).failure(
      allNamespaces ? "no Flux objects found in any namespace" : `no Flux objects found in ${ctx.namespace} namespace`,
    );
  }
  ctx.io.stdout.write(sections.join("\n"));
  return undefined;
}

function selectorMatches(
  obj: UnstructuredObject,
  selector: { type: string; status: string; negate: boolean },
): boolean {
  const equal = (conditionOf(obj, selector.type)?.status ?? "Unknown").toLowerCase() === selector.status;
  return selector.negate ? !equal : equal;
}

/**
 * `--status-selector ready=false` → condition type `Ready` and status `false` (compared case-insensitively);
 * `ready!=true` negates, as flux's.
 */
function statusSelector(value: unknown): { type: string; status: string; negate: boolean } | undefined {
  if (typeof value !== "string" || value === "") return undefined;
  const m = /^([A-Za-z]+)(!?=)(true|false|unknown)$/i.exec(value);
  if (!m)
    throw new CliError(`invalid --status-selector "${value}": want <condition>=<true|false|unknown>, e.g. ready=false`);
  const type = m[1]!.charAt(0).toUpperCase() + m[1]!.slice(1);
  return { type, status: m[3]!.toLowerCase(), negate: m[2] === "!=" };
}

async function anyServed(ctx: CommandContext, kinds: readonly CliKind[]): Promise<boolean> {
  for (const kind of kinds) {
    try {
      await ctx.kube().resourceFor(kind.apiVersion, kind.kind);
      return true;
    } catch (err: unknown) {
      if (!isKindNotServed(err)) throw err;
    }
  }
  return false;
}
