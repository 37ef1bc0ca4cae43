// `sluice events [--for Kind/name] [-A]`: the Kubernetes Events of Flux objects, oldest first, as flux events.

import type { UnstructuredObject } from "@sluice/runtime/kube";
import type { Command } from "commander";
import type { CommandKit } from "../command-kit.js";
import { CliError } from "../errors.js";
import { APPLIER_KINDS, kindByKindName, parseKindRef, SOURCE_KINDS } from "../kinds.js";
import { shortAge } from "../lib/age.js";
import { Progress } from "../lib/progress.js";
import { formatTable } from "../lib/table.js";

interface EventLike extends UnstructuredObject {
  involvedObject?: { kind?: string; name?: string; namespace?: string };
  reason?: string;
  message?: string;
  type?: string;
  lastTimestamp?: string;
  eventTime?: string;
  firstTimestamp?: string;
}

const FLUX_KINDS = new Set([...SOURCE_KINDS, ...APPLIER_KINDS].map((k) => k.kind));

/** Registers `sluice events`. */
export function registerEvents(program: Command, kit: CommandKit): void {
  program
    .command("events")
    .description("Display Kubernetes events for Flux resources")
    .option("--for <kind/name>", "get the events for a particular object, e.g. Kustomization/apps")
    .option("-A, --all-namespaces", "display events from all namespaces")
    .action(
      kit.action(async (ctx, opts) => {
        let filter: { kind: string; name: string } | undefined;
        if (typeof opts["for"] === "string") {
          const ref = parseKindRef(opts["for"], "--for");
          const kind = kindByKindName(ref.kind);
          filter = { kind: kind?.kind ?? ref.kind, name: ref.name };
        }
        const all = Boolean(opts["allNamespaces"]);
        if (all && filter) throw new CliError("--for cannot be combined with --all-namespaces");
        const list = await ctx.kube().list<EventLike>("v1", "Event", all ? {} : { namespace: ctx.namespace });
        const events = list.items
          .filter((e) => {
            const io = e.involvedObject ?? {};
            if (filter) return io.kind === filter.kind && io.name === filter.name;
            return FLUX_KINDS.has(io.kind ?? "");
          })
          .sort((a, b) => Date.parse(eventTime(a) ?? "") - Date.parse(eventTime(b) ?? ""));
        if (events.length === 0) {
          new Progress(ctx.io).failure(
            filter
              ? `no events found for ${filter.kind}/${filter.name} in ${ctx.namespace} namespace`
              : `no events found in ${all ? "any" : `${ctx.namespace}`} namespace`,
          );
          return 0;
        }
        const header = ["LAST SEEN", "TYPE", "REASON", "OBJECT", "MESSAGE"];
        if (all) header.unshift("NAMESPACE");
        const rows = events.map((e) => {
          const row = [
            shortAge(eventTime(e)),
            e.type ?? "",
            e.reason ?? "",
            `${e.involvedObject?.kind ?? ""}/${e.involvedObject?.name ?? ""}`,
            e.message ?? "",
          ];
          if (all) row.unshift(e.metadata.namespace ?? "");
          return row;
        });
        ctx.io.stdout.write(formatTable(header, rows, ctx.io.columns));
        return 0;
      }),
    );
}

function eventTime(e: EventLike): string | undefined {
  return e.lastTimestamp || e.eventTime || e.firstTimestamp || e.metadata.creationTimestamp;
}
