// `sluice events [--for Kind[/name]] [-A] [-w] [--types Normal,Warning]`: the Kubernetes Events of Flux objects,
// oldest first, as flux events — with `--for`, also the events of the object's source (a Kustomization's
// sourceRef, a HelmRelease's chart source and its HelmChart, an Alert's Provider, an ImagePolicy's
// ImageRepository).

import { type UnstructuredObject, watchStream } from "@sluice/runtime/kube";
import type { Command } from "commander";
import type { CommandKit } from "../command-kit.js";
import type { CommandContext } from "../context.js";
import { CliError } from "../errors.js";
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

/** How an object of a kind points at the object whose events `--for` adds. */
interface RefInfo {
  apiVersion: string;
  /** Path of the reference (`{kind?, name, namespace?}`). */
  field?: string[];
  /** The referenced kind when the reference has no `kind`. */
  kind?: string;
  crossNamespace?: boolean;
  /** Further `Kind/name` references derived from the object's namespace and name. */
  others?: (namespace: string, name: string) => string[];
}

const FLUX_KINDS: Record<string, RefInfo> = {
  Kustomization: { apiVersion: "kustomize.toolkit.fluxcd.io/v1", field: ["spec", "sourceRef"], crossNamespace: true },
  HelmRelease: {
    apiVersion: "helm.toolkit.fluxcd.io/v2",
    field: ["spec", "chart", "spec", "sourceRef"],
    crossNamespace: true,
    others: (namespace, name) => [`HelmChart/${namespace}-${name}`],
  },
  HelmChart: { apiVersion: "source.toolkit.fluxcd.io/v1", field: ["spec", "sourceRef"], crossNamespace: true },
  Alert: { apiVersion: "notification.toolkit.fluxcd.io/v1beta3", field: ["spec", "providerRef"], kind: "Provider" },
  ImagePolicy: {
    apiVersion: "image.toolkit.fluxcd.io/v1",
    field: ["spec", "imageRepositoryRef"],
    kind: "ImageRepository",
    crossNamespace: true,
  },
  GitRepository: { apiVersion: "source.toolkit.fluxcd.io/v1" },
  OCIRepository: { apiVersion: "source.toolkit.fluxcd.io/v1" },
  HelmRepository: { apiVersion: "source.toolkit.fluxcd.io/v1" },
  Bucket: { apiVersion: "source.toolkit.fluxcd.io/v1" },
  Provider: { apiVersion: "notification.toolkit.fluxcd.io/v1beta3" },
  Receiver: { apiVersion: "notification.toolkit.fluxcd.io/v1" },
  ImageRepository: { apiVersion: "image.toolkit.fluxcd.io/v1" },
  ImageUpdateAutomation: { apiVersion: "image.toolkit.fluxcd.io/v1" },
};

/** A Flux kind by any casing of its name. */
function fluxKind(word: string): string | undefined {
  return Object.keys(FLUX_KINDS).find((k) => k.toLowerCase() === word.toLowerCase());
}

/** One object whose events are shown. */
interface Target {
  kind: string;
  name?: string | undefined;
  namespace?: string | undefined;
}

/** Registers `sluice events`. */
export function registerEvents(program: Command, kit: CommandKit): void {
  program
    .command("events")
    .description("Display Kubernetes events for Flux resources")
    .option(
      "--for <kind[/name]>",
      "get the events for a particular kind or object (and its source), e.g. Kustomization/apps",
    )
    .option("-A, --all-namespaces", "display events from all namespaces")
    .option("-w, --watch", "indicate if the events should be streamed")
    .option("--types <types>", "filter events for certain types (valid types are: Normal, Warning)")
    .action(kit.action((ctx, opts) => events(ctx, opts)));
}

async function events(ctx: CommandContext, opts: Record<string, unknown>): Promise<number> {
  const types = typeof opts["types"] === "string" ? opts["types"].split(",").filter((t) => t !== "") : [];
  for (const t of types) {
    if (!/^(normal|warning)$/i.test(t))
      throw new CliError(`type '${t}' not supported. Supported types are Normal, Warning`);
  }
  const all = Boolean(opts["allNamespaces"]);
  const namespace = all ? undefined : ctx.namespace;
  const targets: Target[] = [];
  if (typeof opts["for"] === "string") {
    const [word, name, extra] = opts["for"].split("/");
    const kind = word ? fluxKind(word) : undefined;
    if (!word || extra !== undefined || name === "") {
      throw new CliError(`invalid --for "${opts["for"]}": want <kind>[/<name>], e.g. Kustomization/apps`);
    }
    if (!kind) throw new CliError(`'${word}' is not a recognized Flux kind`);
    targets.push({ kind, name, namespace });
    if (name) targets.push(...(await references(ctx, kind, name, ctx.namespace)));
  }
  const showNamespace = all || targets.some((t) => t.namespace !== undefined && t.namespace !== ctx.namespace);
  const wanted = (e: EventLike): boolean => {
    const io = e.involvedObject ?? {};
    if (!fluxKind(io.kind ?? "")) return false;
    if (types.length > 0 && !types.some((t) => t.toLowerCase() === (e.type ?? "").toLowerCase())) return false;
    if (targets.length === 0) return namespace === undefined || e.metadata.namespace === namespace;
    return targets.some(
      (t) =>
        io.kind === t.kind &&
        (t.name === undefined || io.name === t.name) &&
        (t.namespace === undefined || e.metadata.namespace === t.namespace),
    );
  };
  const header = ["LAST SEEN", "TYPE", "REASON", "OBJECT", "MESSAGE"];
  if (showNamespace) header.unshift("NAMESPACE");
  const row = (e: EventLike) => {
    const r = [
      shortAge(eventTime(e)),
      e.type ?? "",
      e.reason ?? "",
      `${e.involvedObject?.kind ?? ""}/${e.involvedObject?.name ?? ""}`,
      e.message ?? "",
    ];
    if (showNamespace) r.unshift(e.metadata.namespace ?? "");
    return r;
  };
  // One list across namespaces when the targets span several; filtered here.
  const listNamespace = showNamespace ? undefined : namespace;
  const list = await ctx
    .kube()
    .list<EventLike>("v1", "Event", listNamespace === undefined ? {} : { namespace: listNamespace });
  const found = list.items
    .filter(wanted)
    .sort((a, b) => Date.parse(eventTime(a) ?? "") - Date.parse(eventTime(b) ?? ""));
  if (opts["watch"]) {
    await watchEvents(ctx, listNamespace, list.resourceVersion, found, wanted, header, row);
    return 0;
  }
  if (found.length === 0) {
    new Progress(ctx.io).failure(all ? "No events found." : `No events found in ${ctx.namespace} namespace.`);
    return 0;
  }
  ctx.io.stdout.write(formatTable(header, found.map(row), ctx.io.columns));
  return 0;
}

/** The objects an object's events come with: its source (and for a HelmRelease its HelmChart). */
async function references(ctx: CommandContext, kind: string, name: string, namespace: string): Promise<Target[]> {
  const info = FLUX_KINDS[kind]!;
  if (!info.field) return [];
  const obj = await ctx.kube().getOptional<UnstructuredObject>({ apiVersion: info.apiVersion, kind, namespace, name });
  if (!obj) throw new CliError(`${kind} '${namespace}/${name}' not found`);
  let ref: unknown = obj;
  for (const step of info.field) ref = (ref as Record<string, unknown> | undefined)?.[step];
  const r = ref as { kind?: string; name?: string; namespace?: string } | undefined;
  const out: Target[] = [];
  const refNamespace = info.crossNamespace && r?.namespace ? r.namespace : namespace;
  if (r?.name && (info.kind ?? r.kind)) out.push({ kind: info.kind ?? r.kind!, name: r.name, namespace: refNamespace });
  if (kind === "HelmRelease") {
    const chartRef = (obj["spec"] as { chartRef?: { kind?: string; name?: string; namespace?: string } } | undefined)
      ?.chartRef;
    if (chartRef?.kind && chartRef.name) {
      out.push({ kind: chartRef.kind, name: chartRef.name, namespace: chartRef.namespace ?? namespace });
    }
  }
  for (const other of info.others?.(namespace, name) ?? []) {
    const [k, n] = other.split("/");
    out.push({ kind: k!, name: n!, namespace: refNamespace });
  }
  return out;
}

async function watchEvents(
  ctx: CommandContext,
  namespace: string | undefined,
  resourceVersion: string,
  existing: EventLike[],
  wanted: (e: EventLike) => boolean,
  header: string[],
  row: (e: EventLike) => string[],
): Promise<void> {
  let pendingHeader: string[] | undefined = header;
  const print = (e: EventLike) => {
    ctx.io.stdout.write(formatTable(pendingHeader, [row(e)], ctx.io.columns));
    pendingHeader = undefined;
  };
  for (const e of existing) print(e);
  const stop = new AbortController();
  const timer = setTimeout(() => stop.abort(), ctx.timeoutMs);
  const onSignal = () => stop.abort();
  ctx.io.signal?.addEventListener("abort", onSignal, { once: true });
  process.once("SIGINT", onSignal);
  try {
    const client = ctx.kube();
    const path = await client.resourcePath({ apiVersion: "v1", kind: "Event", namespace });
    let rv = resourceVersion;
    while (!stop.signal.aborted) {
      await watchStream(
        client.http,
        path,
        { watch: true, resourceVersion: rv, allowWatchBookmarks: true },
        (event) => {
          const e = event.object as unknown as EventLike;
          if (e.metadata?.resourceVersion) rv = e.metadata.resourceVersion;
          if ((event.type === "ADDED" || event.type === "MODIFIED") && wanted(e)) print(e);
        },
        stop.signal,
      );
    }
  } finally {
    clearTimeout(timer);
    process.off("SIGINT", onSignal);
  }
}

function eventTime(e: EventLike): string | undefined {
  return e.lastTimestamp || e.eventTime || e.firstTimestamp || e.metadata.creationTimestamp;
}
