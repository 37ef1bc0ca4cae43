// flux's notification verbs: `create alert|alert-provider|receiver` (`--export` prints the YAML),
// `get alerts|alert-providers|receivers`, `reconcile receiver`, `suspend|resume alert|receiver`. They join
// the existing verbs (registered after them).

import { ALERT_API_VERSION, RECEIVER_API_VERSION } from "@sluice/api";
import { PatchType, type UnstructuredObject } from "@sluice/runtime";
import type { Command } from "commander";
import type { CommandKit, Opts } from "../command-kit.js";
import type { CommandContext } from "../context.js";
import { CliError } from "../errors.js";
import { type CliKind, parseKindRef } from "../kinds.js";
import { upsert } from "../lib/apply.js";
import { getObject } from "../lib/get-object.js";
import { listKind } from "../lib/list.js";
import { collect, toYamlDocument } from "../lib/manifest.js";
import { isSuspended, readyOf } from "../lib/object-status.js";
import { Progress } from "../lib/progress.js";
import { formatTable } from "../lib/table.js";
import { waitReady } from "../lib/wait-ready.js";
import { reconcileObject } from "./reconcile.js";

/** The Alert kind as the CLI names it. */
export const ALERT: CliKind = { name: "alert", apiVersion: ALERT_API_VERSION, kind: "Alert", source: false };
/** The Provider kind (`alert-provider`). */
export const ALERT_PROVIDER: CliKind = {
  name: "alert-provider",
  apiVersion: ALERT_API_VERSION,
  kind: "Provider",
  source: false,
};
/** The Receiver kind. */
export const RECEIVER: CliKind = {
  name: "receiver",
  apiVersion: RECEIVER_API_VERSION,
  kind: "Receiver",
  source: false,
};

function sub(program: Command, verb: string): Command {
  const found = program.commands.find((c) => c.name() === verb);
  if (!found) throw new Error(`sluice: the ${verb} command must be registered first`);
  return found;
}

function str(opts: Opts, key: string): string | undefined {
  const v = opts[key];
  return typeof v === "string" && v !== "" ? v : undefined;
}

function meta(ctx: CommandContext, name: string, opts: Opts): UnstructuredObject["metadata"] {
  const labels: Record<string, string> = {};
  for (const l of (opts["label"] as string[] | undefined) ?? []) {
    const [k, v] = l.split("=");
    if (!k || v === undefined) throw new CliError(`invalid --label "${l}": want key=value`);
    labels[k] = v;
  }
  return { name, namespace: ctx.namespace, ...(Object.keys(labels).length > 0 ? { labels } : {}) };
}

function kindRefs(values: unknown, flag: string): Array<{ kind: string; name: string; namespace?: string }> {
  return ((values as string[] | undefined) ?? []).map((v) => parseKindRef(v, flag));
}

/** The Provider `sluice create alert-provider` makes. */
export function providerObject(ctx: CommandContext, opts: Opts, name: string): UnstructuredObject {
  const spec: Record<string, unknown> = { type: str(opts, "type") };
  for (const key of ["channel", "username", "address"]) if (str(opts, key)) spec[key] = str(opts, key);
  if (str(opts, "secretRef")) spec["secretRef"] = { name: str(opts, "secretRef") };
  return { apiVersion: ALERT_API_VERSION, kind: "Provider", metadata: meta(ctx, name, opts), spec };
}

/** The Alert `sluice create alert` makes. */
export function alertObject(ctx: CommandContext, opts: Opts, name: string): UnstructuredObject {
  const sources = kindRefs(opts["eventSource"], "--event-source");
  if (sources.length === 0) throw new CliError("at least one --event-source is required");
  const spec: Record<string, unknown> = {
    providerRef: { name: str(opts, "providerRef") },
    eventSeverity: str(opts, "eventSeverity") ?? "info",
    eventSources: sources,
  };
  return { apiVersion: ALERT_API_VERSION, kind: "Alert", metadata: meta(ctx, name, opts), spec };
}

/** The Receiver `sluice create receiver` makes. */
export function receiverObject(ctx: CommandContext, opts: Opts, name: string): UnstructuredObject {
  const resources = kindRefs(opts["resource"], "--resource");
  if (resources.length === 0) throw new CliError("at least one --resource is required");
  const spec: Record<string, unknown> = { type: str(opts, "type") };
  const events = (opts["event"] as string[] | undefined) ?? [];
  if (events.length > 0) spec["events"] = events;
  spec["resources"] = resources.map((r) => ({ ...r }));
  spec["secretRef"] = { name: str(opts, "secretRef") };
  return { apiVersion: RECEIVER_API_VERSION, kind: "Receiver", metadata: meta(ctx, name, opts), spec };
}

async function applyObject(
  ctx: CommandContext,
  opts: Opts,
  obj: UnstructuredObject,
  waitForReady: boolean,
): Promise<number> {
  if (opts["export"]) {
    ctx.io.stdout.write(toYamlDocument(obj));
    return 0;
  }
  const p = new Progress(ctx.io);
  try {
    p.generate(`generating ${obj.kind}`);
    p.action(`applying ${obj.kind}`);
    const { created } = await upsert(ctx, obj);
    p.success(`${obj.kind} ${created ? "created" : "updated"}`);
    if (!waitForReady) return 0;
    p.waiting(`waiting for ${obj.kind} reconciliation`);
    const ready = await waitReady(ctx, RECEIVER, ctx.namespace, obj.metadata.name ?? "");
    p.success(`${obj.kind} ${obj.metadata.name} is ready`);
    const path = (ready["status"] as { webhookPath?: string } | undefined)?.webhookPath;
    if (path) p.success(`generated webhook URL ${path}`);
    return 0;
  } finally {
    p.stop();
  }
}

async function printTable(ctx: CommandContext, kind: CliKind, opts: Opts): Promise<void> {
  const all = Boolean(opts["allNamespaces"]);
  const items = await listKind(ctx, kind, all, false);
  if (items.length === 0) {
    new Progress(ctx.io).failure(
      all
        ? `no ${kind.kind} objects found in any namespace`
        : `no ${kind.kind} objects found in ${ctx.namespace} namespace`,
    );
    return;
  }
  const header = kind === ALERT_PROVIDER ? ["NAME", "READY", "MESSAGE"] : ["NAME", "SUSPENDED", "READY", "MESSAGE"];
  if (all) header.unshift("NAMESPACE");
  const rows = items.map((obj) => {
    const name = obj.metadata.name ?? "";
    const suspended = isSuspended(obj) ? "True" : "False";
    // v1beta3 Alerts and Providers are static (no status): flux reports them as ready.
    const row =
      kind === RECEIVER
        ? [name, suspended, readyOf(obj).status, readyOf(obj).message]
        : kind === ALERT
          ? [name, suspended, "True", "Alert is Ready"]
          : [name, "True", "Provider is Ready"];
    if (all) row.unshift(obj.metadata.namespace ?? "");
    return row;
  });
  ctx.io.stdout.write(formatTable(header, rows, ctx.io.columns));
}

async function setSuspend(ctx: CommandContext, kind: CliKind, name: string, suspend: boolean): Promise<number> {
  const p = new Progress(ctx.io);
  try {
    await getObject(ctx, kind, name);
    p.action(`${suspend ? "suspending" : "resuming"} ${kind.name} ${name} in ${ctx.namespace} namespace`);
    const ref = { apiVersion: kind.apiVersion, kind: kind.kind, namespace: ctx.namespace, name };
    await ctx.kube().patch(ref, { spec: { suspend: suspend ? true : null } }, { type: PatchType.Merge });
    p.success(`${kind.name} ${suspend ? "suspended" : "resumed"}`);
    return 0;
  } finally {
    p.stop();
  }
}

/** Adds the notification commands to the `create`, `get`, `reconcile`, `suspend` and `resume` verbs. */
export function registerNotification(program: Command, kit: CommandKit): void {
  const create = sub(program, "create");
  const common = (c: Command) =>
    c
      .option("--export", "export in YAML format to stdout")
      .option("--label <key=value>", "set labels on the resource (can be repeated)", collect);
  common(
    create
      .command("alert-provider <name>")
      .description("Create or update a Provider resource")
      .requiredOption("--type <type>", "type of provider, e.g. slack, msteams, github, generic")
      .option("--channel <channel>", "channel to send messages to in the case of a chat provider")
      .option("--username <name>", "bot username used by the provider")
      .option("--address <url>", "path to either the git repository, chat provider or webhook")
      .option("--secret-ref <name>", "name of secret containing authentication token"),
  ).action(kit.action((ctx, opts, args) => applyObject(ctx, opts, providerObject(ctx, opts, args[0]!), false)));
  common(
    create
      .command("alert <name>")
      .description("Create or update an Alert resource")
      .requiredOption("--provider-ref <name>", "reference to provider")
      .option("--event-severity <severity>", "severity of events to send alerts for (info or error)")
      .option(
        "--event-source <Kind/name>",
        "sources that should generate alerts (<kind>/<name>), can be repeated",
        collect,
      ),
  ).action(kit.action((ctx, opts, args) => applyObject(ctx, opts, alertObject(ctx, opts, args[0]!), false)));
  common(
    create
      .command("receiver <name>")
      .description("Create or update a Receiver resource")
      .requiredOption("--type <type>", "type of receiver, e.g. github, gitlab, generic")
      .option("--event <event>", "event type the receiver acts on, can be repeated", collect)
      .option("--resource <Kind/name>", "resource to reconcile (<kind>/<name>), can be repeated", collect)
      .requiredOption("--secret-ref <name>", "name of secret containing the webhook token"),
  ).action(kit.action((ctx, opts, args) => applyObject(ctx, opts, receiverObject(ctx, opts, args[0]!), true)));

  const get = sub(program, "get");
  for (const [kind, names] of [
    [ALERT, ["alerts", "alert"]],
    [ALERT_PROVIDER, ["alert-providers", "alert-provider"]],
    [RECEIVER, ["receivers", "receiver"]],
  ] as const) {
    get
      .command(names[0])
      .alias(names[1])
      .description(`Get ${kind.kind} statuses`)
      .option("-A, --all-namespaces", "list the requested object(s) across all namespaces")
      .action(kit.action((ctx, opts) => printTable(ctx, kind, opts)));
  }

  sub(program, "reconcile")
    .command("receiver <name>")
    .description("Trigger a reconciliation of a Receiver and wait for it to finish")
    .action(
      kit.action(async (ctx, _opts, args) => {
        const obj = await getObject(ctx, RECEIVER, args[0]!);
        if (isSuspended(obj)) throw new CliError("resource is suspended");
        return reconcileObject(ctx, RECEIVER, ctx.namespace, args[0]!);
      }),
    );

  for (const suspend of [true, false]) {
    const verb = sub(program, suspend ? "suspend" : "resume");
    for (const kind of [ALERT, RECEIVER]) {
      verb
        .command(`${kind.name} <name>`)
        .description(`${suspend ? "Suspend" : "Resume"} the ${kind.kind}`)
        .action(kit.action((ctx, _opts, args) => setSuspend(ctx, kind, args[0]!, suspend)));
    }
  }
}
