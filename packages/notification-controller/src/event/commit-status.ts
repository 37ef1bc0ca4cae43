// Commit-status naming (Flux's provider_commit_status.go): `spec.commitStatusExpr` evaluated with CEL over
// the event, the Alert and the Provider, or by default `<kind>/<name>/<first part of the Provider UID>` in
// lower case — unique per cluster and stable across reconciliations. Also which events a commit-status
// provider takes.

import { parse as parseCel } from "@marcbachmann/cel-js";
import type { Alert, Provider } from "@sluice/api";
import type { FluxEvent } from "@sluice/runtime/events";
import { isCommitStatusProvider } from "../provider/provider-secrets.js";
import { EVENT_GROUP, objectGroup } from "./metadata.js";

/** `spec.commitStatusExpr` did not compile, failed, or did not give a string. */
export class CommitStatusExprError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "CommitStatusExprError";
  }
}

/** The default commit status id: `kind/name/<provider UID up to its first dash>`, lower case. */
export function defaultCommitStatus(providerUid: string, event: FluxEvent): string {
  const uidPart = providerUid.split("-")[0] ?? "";
  return `${event.involvedObject.kind}/${event.involvedObject.name}/${uidPart}`.toLowerCase();
}

type CompiledExpr = ReturnType<typeof parseCel>;
const compiled = new Map<string, CompiledExpr | Error>();

/** Compiles a commitStatusExpr (cached); the Error when it does not parse. */
export function compileCommitStatusExpr(expr: string): CompiledExpr | Error {
  let fn = compiled.get(expr);
  if (!fn) {
    try {
      fn = parseCel(expr);
    } catch (err: unknown) {
      fn = err instanceof Error ? err : new Error(String(err));
    }
    if (compiled.size > 1000) compiled.clear();
    compiled.set(expr, fn);
  }
  return fn;
}

/** The commit status id for a commit-status provider ("" for other types). */
export function commitStatusFor(provider: Provider, event: FluxEvent, alert: Alert): string {
  if (!isCommitStatusProvider(provider.spec.type)) return "";
  const expr = provider.spec.commitStatusExpr;
  if (!expr) return defaultCommitStatus(provider.metadata.uid ?? "", event);
  const prefix = "failed to evaluate the spec.commitStatusExpr CEL expression for the event";
  const fn = compileCommitStatusExpr(expr);
  if (fn instanceof Error) throw new CommitStatusExprError(`${prefix}: failed to compile expression: ${fn.message}`);
  let value: unknown;
  try {
    value = fn({
      event: JSON.parse(JSON.stringify(event)) as unknown,
      alert: JSON.parse(JSON.stringify(alert)) as unknown,
      provider: JSON.parse(JSON.stringify(provider)) as unknown,
    });
  } catch (err: unknown) {
    throw new CommitStatusExprError(`${prefix}: ${err instanceof Error ? err.message : String(err)}`);
  }
  if (typeof value !== "string") throw new CommitStatusExprError(`${prefix}: the expression must return a string`);
  return value;
}

/** Whether the event asks for a commit status update (`<object group>/commit_status: update`). */
export function isCommitStatusUpdate(event: FluxEvent): boolean {
  return event.metadata?.[`${objectGroup(event)}/commit_status`] === "update";
}

/** Whether the event carries `event.toolkit.fluxcd.io/commit`. */
export function hasCommitKey(event: FluxEvent): boolean {
  return Boolean(event.metadata?.[`${EVENT_GROUP}/commit`]);
}
