// `sluice suspend <kind> <name>|--all` and `sluice resume <kind> <name>|--all` (resume waits for the reconcile).

import { PatchType, type UnstructuredObject } from "@sluice/runtime/kube";
import type { Command } from "commander";
import type { CommandKit } from "../command-kit.js";
import type { CommandContext } from "../context.js";
import { CliError } from "../errors.js";
import type { CliKind } from "../kinds.js";
import { getObject } from "../lib/get-object.js";
import { addKindCommands } from "../lib/kind-commands.js";
import { listKind } from "../lib/list.js";
import { failureMessage, readyOf, revisionOf } from "../lib/object-status.js";
import { Progress } from "../lib/progress.js";
import { waitReconciled } from "../lib/wait-ready.js";
import { requestReconcile } from "./reconcile.js";

/** Registers `sluice suspend …` and `sluice resume …`. */
export function registerSuspendResume(program: Command, kit: CommandKit): void {
  for (const suspend of [true, false]) {
    const verb = program
      .command(suspend ? "suspend" : "resume")
      .description(suspend ? "Suspend the reconciliation of resources" : "Resume suspended resources");
    addKindCommands(
      verb,
      "[name]",
      (k) => `${suspend ? "Suspend" : "Resume"} the reconciliation of a ${k.kind}`,
      (cmd, kind) => {
        cmd.option("--all", `${suspend ? "suspend" : "resume"} all resources of this kind in the namespace`);
        if (!suspend) cmd.option("--no-wait", "do not wait for the resumed resource to be reconciled");
        cmd.action(
          kit.action(async (ctx, opts, args) => {
            const objects = await targets(ctx, kind, args[0], Boolean(opts["all"]));
            let code = 0;
            for (const obj of objects) {
              code = Math.max(code, await setSuspend(ctx, kind, obj, suspend, opts["wait"] !== false));
            }
            return code;
          }),
        );
      },
    );
  }
}

async function targets(
  ctx: CommandContext,
  kind: CliKind,
  name: string | undefined,
  all: boolean,
): Promise<UnstructuredObject[]> {
  if (all) return listKind(ctx, kind, false);
  if (!name) throw new CliError(`${kind.name} name is required (or use --all)`);
  return [await getObject(ctx, kind, name)];
}

async function setSuspend(
  ctx: CommandContext,
  kind: CliKind,
  obj: UnstructuredObject,
  suspend: boolean,
  wait: boolean,
): Promise<number> {
  const p = new Progress(ctx.io);
  const name = obj.metadata.name ?? "";
  const ns = obj.metadata.namespace ?? ctx.namespace;
  const label = kind.source ? `source ${kind.name}` : kind.name;
  try {
    p.action(`${suspend ? "suspending" : "resuming"} ${label} ${name} in ${ns} namespace`);
    const ref = { apiVersion: kind.apiVersion, kind: kind.kind, namespace: ns, name };
    await ctx.kube().patch(ref, { spec: { suspend: suspend ? true : null } }, { type: PatchType.Merge });
    p.success(`${label} ${suspend ? "suspended" : "resumed"}`);
    if (suspend || !wait) return 0;
    const requestedAt = await requestReconcile(ctx, { ...obj, metadata: { ...obj.metadata, namespace: ns } });
    p.waiting(`waiting for ${kind.kind} reconciliation`);
    const done = await waitReconciled(ctx, kind, ns, name, requestedAt);
    const ready = readyOf(done);
    if (ready.status !== "True") {
      p.failure(failureMessage(done));
      return 1;
    }
    p.success(`${kind.kind} reconciliation completed`);
    p.success(kind.source ? `fetched revision ${revisionOf(done)}` : `applied revision ${revisionOf(done)}`);
    return 0;
  } finally {
    p.stop();
  }
}
