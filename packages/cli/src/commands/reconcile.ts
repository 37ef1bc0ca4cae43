// `sluice reconcile source <kind> <name>` and `sluice reconcile kustomization|helmrelease <name> [--with-source]`:
// request a reconcile through the `reconcile.fluxcd.io/requestedAt` annotation and wait until it was handled.

import { Annotation } from "@sluice/api";
import { PatchType, type UnstructuredObject } from "@sluice/runtime/kube";
import type { Command } from "commander";
import type { CommandKit } from "../command-kit.js";
import type { CommandContext } from "../context.js";
import { CliError } from "../errors.js";
import { type CliKind, kindByKindName, SOURCE_KINDS } from "../kinds.js";
import { getObject, refOf } from "../lib/get-object.js";
import { addKindCommands } from "../lib/kind-commands.js";
import { failureMessage, isSuspended, readyOf, revisionOf, statusString } from "../lib/object-status.js";
import { Progress } from "../lib/progress.js";
import { waitReconciled } from "../lib/wait-ready.js";

/** Registers `sluice reconcile …`. */
export function registerReconcile(program: Command, kit: CommandKit): void {
  const verb = program.command("reconcile").description("Reconcile sources and resources");
  addKindCommands(
    verb,
    "<name>",
    (k) => `Trigger a reconciliation of a ${k.kind} and wait for it to finish`,
    (cmd, kind) => {
      if (!kind.source) cmd.option("--with-source", "reconcile the source as well");
      if (kind.kind === "HelmRelease") {
        cmd.option("--force", "force a one-off install or upgrade of the HelmRelease resource");
        cmd.option("--reset", "reset the failure count of the HelmRelease resource");
      }
      cmd.action(
        kit.action(async (ctx, opts, args) => {
          const name = args[0]!;
          if (opts["withSource"]) await reconcileSourceOf(ctx, kind, name);
          const extra = [
            ...(opts["force"] ? [Annotation.ForceRequestedAt] : []),
            ...(opts["reset"] ? [Annotation.ResetRequestedAt] : []),
          ];
          return reconcileObject(ctx, kind, ctx.namespace, name, extra);
        }),
      );
    },
  );
}

/** Annotates the object, waits for the reconcile and prints its outcome; 0 when Ready, 1 otherwise. */
export async function reconcileObject(
  ctx: CommandContext,
  kind: CliKind,
  namespace: string,
  name: string,
  alsoAnnotate: readonly string[] = [],
): Promise<number> {
  const p = new Progress(ctx.io);
  try {
    const obj = await getObject(ctx, kind, name, namespace);
    if (isSuspended(obj)) throw new CliError(`resource is suspended`);
    p.action(`annotating ${kind.kind} ${name} in ${namespace} namespace`);
    const requestedAt = await requestReconcile(ctx, obj, alsoAnnotate);
    p.success(`${kind.kind} annotated`);
    p.waiting(`waiting for ${kind.kind} reconciliation`);
    const done = await waitReconciled(ctx, kind, namespace, name, requestedAt);
    const ready = readyOf(done);
    if (ready.status !== "True") {
      p.failure(failureMessage(done));
      return 1;
    }
    p.success(kind.source ? `fetched revision ${revisionOf(done)}` : `applied revision ${revisionOf(done)}`);
    return 0;
  } finally {
    p.stop();
  }
}

/** Sets `reconcile.fluxcd.io/requestedAt` to now (RFC 3339 with nanoseconds, unique per call); returns the value. */
export async function requestReconcile(
  ctx: CommandContext,
  obj: UnstructuredObject,
  alsoAnnotate: readonly string[] = [],
): Promise<string> {
  const requestedAt = rfc3339Nano(new Date());
  const annotations: Record<string, string> = { [Annotation.ReconcileRequestedAt]: requestedAt };
  for (const key of alsoAnnotate) annotations[key] = requestedAt;
  await ctx.kube().patch(refOf(obj), { metadata: { annotations } }, { type: PatchType.Merge });
  return requestedAt;
}

let lastNano = 0n;
/** Time as Go's RFC3339Nano, strictly increasing within the process. */
function rfc3339Nano(now: Date): string {
  let nanos = BigInt(now.getTime()) * 1_000_000n + BigInt(Math.floor(Math.random() * 1_000_000));
  if (nanos <= lastNano) nanos = lastNano + 1n;
  lastNano = nanos;
  const secs = new Date(Number(nanos / 1_000_000_000n) * 1000).toISOString().slice(0, 19);
  const frac = (nanos % 1_000_000_000n).toString().padStart(9, "0").replace(/0+$/, "");
  return `${secs}${frac ? `.${frac}` : ""}Z`;
}

async function reconcileSourceOf(ctx: CommandContext, kind: CliKind, name: string): Promise<void> {
  const obj = await getObject(ctx, kind, name);
  const spec = (obj["spec"] ?? {}) as Record<string, unknown>;
  type Ref = { kind: string; name: string; namespace?: string };
  if (kind.kind === "Kustomization") return reconcileSourceRef(ctx, kind, name, spec["sourceRef"] as Ref | undefined);
  // A HelmRelease, as flux: its chartRef (an OCIRepository, or a HelmChart with that chart's own source), else
  // the HelmChart made from spec.chart together with the chart's source (HelmRepository, GitRepository, …).
  const chartRef = spec["chartRef"] as Ref | undefined;
  if (chartRef) {
    const ns = chartRef.namespace ?? ctx.namespace;
    if (chartRef.kind === "HelmChart") return reconcileChartWithSource(ctx, ns, chartRef.name);
    return reconcileSourceRef(ctx, kind, name, { ...chartRef, namespace: ns });
  }
  const helmChart = statusString(obj, "helmChart");
  if (helmChart.includes("/")) {
    const [ns, n] = helmChart.split("/");
    return reconcileChartWithSource(ctx, ns!, n!);
  }
  const sourceRef = (
    (spec["chart"] as Record<string, unknown> | undefined)?.["spec"] as { sourceRef?: Ref } | undefined
  )?.sourceRef;
  if (!sourceRef) throw new CliError(`${kind.kind} '${ctx.namespace}/${name}' has no source reference to reconcile`);
  return reconcileChartWithSource(ctx, sourceRef.namespace ?? ctx.namespace, `${ctx.namespace}-${name}`);
}

/** Reconciles a HelmChart's source, then the HelmChart (flux's HelmChart reconcile with source). */
async function reconcileChartWithSource(ctx: CommandContext, namespace: string, name: string): Promise<void> {
  const chartKind = kindByKindName("HelmChart")!;
  const chart = await getObject(ctx, chartKind, name, namespace);
  const ref = (chart["spec"] as { sourceRef?: { kind: string; name: string } } | undefined)?.sourceRef;
  await reconcileSourceRef(ctx, chartKind, name, ref ? { ...ref, namespace } : undefined);
  await reconcileSourceRef(ctx, chartKind, name, { kind: "HelmChart", name, namespace });
}

async function reconcileSourceRef(
  ctx: CommandContext,
  kind: CliKind,
  name: string,
  ref: { kind: string; name: string; namespace?: string } | undefined,
): Promise<void> {
  const sourceKind = ref ? kindByKindName(ref.kind) : undefined;
  if (!ref || !sourceKind || !SOURCE_KINDS.includes(sourceKind)) {
    throw new CliError(
      ref
        ? `cannot reconcile source of kind ${ref.kind}`
        : `${kind.kind} '${ctx.namespace}/${name}' has no source reference to reconcile`,
    );
  }
  const code = await reconcileObject(ctx, sourceKind, ref.namespace ?? ctx.namespace, ref.name);
  if (code !== 0)
    throw new CliError(`${sourceKind.kind} '${ref.namespace ?? ctx.namespace}/${ref.name}' reconciliation failed`);
}
