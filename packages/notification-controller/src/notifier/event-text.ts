// Pieces of message text several chat providers share.

import type { FluxEvent } from "@sluice/runtime/events";
import { NotifierError } from "./notifier.js";

/** `kind/name.namespace` with the kind in lower case (Slack's author, Teams' title, …). */
export function objectTitle(event: FluxEvent): string {
  const o = event.involvedObject;
  return `${o.kind.toLowerCase()}/${o.name}.${o.namespace ?? ""}`;
}

/** The event's metadata as `[key, value]` pairs sorted by key (Go ranges a map in random order; we sort). */
export function metadataEntries(event: FluxEvent): Array<[string, string]> {
  return Object.entries(event.metadata ?? {}).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}

/**
 * The event as Go's encoding/json writes `eventv1.Event`: fields in struct order, empty optional fields
 * left out, metadata keys sorted, HTML characters escaped. Forwarded verbatim by the generic providers (and signed by generic-hmac).
 */
export function eventJson(event: FluxEvent): string {
  const o = event.involvedObject;
  const involvedObject: Record<string, string> = { kind: o.kind };
  if (o.namespace) involvedObject["namespace"] = o.namespace;
  involvedObject["name"] = o.name;
  if (o.uid) involvedObject["uid"] = o.uid;
  if (o.apiVersion) involvedObject["apiVersion"] = o.apiVersion;
  if (o.resourceVersion) involvedObject["resourceVersion"] = o.resourceVersion;
  const out: Record<string, unknown> = {
    involvedObject,
    severity: event.severity,
    timestamp: event.timestamp,
    message: event.message,
    reason: event.reason,
  };
  const metadata = metadataEntries(event);
  if (metadata.length > 0) out["metadata"] = Object.fromEntries(metadata);
  out["reportingController"] = event.reportingController;
  if (event.reportingInstance) out["reportingInstance"] = event.reportingInstance;
  // Go escapes <, >, & and the JS line separators (HTML-safe JSON); the same bytes as Flux sends.
  return JSON.stringify(out).replace(
    /[<>&\u2028\u2029]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`,
  );
}

/** Parses an absolute http(s) URL or throws with `what` (e.g. `invalid Slack hook URL`). */
export function requireUrl(url: string, what: string): URL {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new NotifierError(`${what}: not an absolute URL`);
  }
  if (parsed.protocol !== "http:" && parsed.protocol !== "https:")
    throw new NotifierError(`${what}: scheme must be http or https`);
  return parsed;
}
