// Which Alerts an event goes to (Flux's filterAlertsForEvent): not suspended, an event source matching the
// object's kind, namespace (the Alert's when unset) and name (`*` for all, with matchLabels read from the
// object), a severity the Alert forwards, and a message passing inclusionList and exclusionList. The lists
// are Go (RE2) regular expressions, compiled with re2js so the syntax and the linear-time guarantee match.

import { type Alert, AlertSeverity, type CrossNamespaceObjectReference } from "@sluice/api";
import type { FluxEvent, InvolvedObject } from "@sluice/runtime/events";
import { RE2JS } from "re2js";

/** What matching needs besides the event and the Alerts. */
export interface AlertMatchingContext {
  /** The labels of the event's object (undefined when it can't be read: the source then does not match). */
  objectLabels(ref: InvolvedObject): Promise<Record<string, string> | undefined>;
  /** Reports a configuration problem on an Alert (a Warning event, as Flux records). */
  warn(alert: Alert, reason: string, message: string): void;
}

const compiled = new Map<string, RE2JS | Error>();

/** Compiles a Go regular expression once (cached, also when it fails). */
export function compileGoRegexp(pattern: string): RE2JS | Error {
  let re = compiled.get(pattern);
  if (!re) {
    try {
      re = RE2JS.compile(pattern);
    } catch (err: unknown) {
      re = err instanceof Error ? err : new Error(String(err));
    }
    if (compiled.size > 10_000) compiled.clear();
    compiled.set(pattern, re);
  }
  return re;
}

/** `Kind/namespace/name` of an object reference (messages). */
export function refString(ref: { kind: string; namespace?: string | undefined; name: string }): string {
  return `${ref.kind}/${ref.namespace ?? ""}/${ref.name}`;
}

function listMatches(
  alert: Alert,
  list: readonly string[],
  message: string,
  which: "inclusion" | "exclusion",
  ctx: AlertMatchingContext,
): boolean {
  for (const pattern of list) {
    const re = compileGoRegexp(pattern);
    if (re instanceof Error) {
      ctx.warn(alert, "InvalidConfig", `failed to compile ${which} regex: ${pattern}`);
      continue;
    }
    if (re.test(message)) return true;
  }
  return false;
}

async function sourceMatches(
  event: FluxEvent,
  alert: Alert,
  source: CrossNamespaceObjectReference,
  ctx: AlertMatchingContext,
): Promise<boolean> {
  const namespace = source.namespace || alert.metadata.namespace;
  const o = event.involvedObject;
  if (o.namespace !== namespace || o.kind !== source.kind) return false;
  const severity = alert.spec.eventSeverity ?? AlertSeverity.Info;
  if (event.severity !== severity && severity !== AlertSeverity.Info) return false;
  if (source.name !== "*" && source.name !== o.name) return false;
  if (!source.matchLabels) return true;
  const labels = await ctx.objectLabels(o);
  if (!labels) {
    ctx.warn(alert, "SourceFetchFailed", `error getting source object ${refString(o)}`);
    return false;
  }
  return Object.entries(source.matchLabels).every(([k, v]) => labels[k] === v);
}

/** The Alerts of `alerts` that `event` is forwarded to, in their order. */
export async function alertsForEvent(
  event: FluxEvent,
  alerts: readonly Alert[],
  ctx: AlertMatchingContext,
): Promise<Alert[]> {
  const matched: Alert[] = [];
  for (const alert of alerts) {
    if (alert.spec.suspend) continue;
    let matches = false;
    for (const source of alert.spec.eventSources) {
      if (await sourceMatches(event, alert, source, ctx)) {
        matches = true;
        break;
      }
    }
    if (!matches) continue;
    const inclusion = alert.spec.inclusionList ?? [];
    if (inclusion.length > 0 && !listMatches(alert, inclusion, event.message, "inclusion", ctx)) continue;
    const exclusion = alert.spec.exclusionList ?? [];
    if (exclusion.length > 0 && listMatches(alert, exclusion, event.message, "exclusion", ctx)) continue;
    matched.push(alert);
  }
  return matched;
}
