// Event metadata as notification-controller handles it (Flux's cleanupMetadata, excludeInternalMetadata and
// combineEventMetadata, RFC 0008): only keys of the event group or the object's group are kept (minus
// checksum and digest), the token is dropped before dispatch, and the keys are merged with the Alert's
// eventMetadata and summary with the object's own keys winning.

import type { Alert } from "@sluice/api";
import type { FluxEvent } from "@sluice/runtime/events";

/** The API group of event metadata coming from object annotations. */
export const EVENT_GROUP = "event.toolkit.fluxcd.io";

/** The API group of the event's object (`kustomize.toolkit.fluxcd.io` for a Kustomization). */
export function objectGroup(event: FluxEvent): string {
  const apiVersion = event.involvedObject.apiVersion ?? "";
  return apiVersion.includes("/") ? apiVersion.slice(0, apiVersion.indexOf("/")) : "";
}

/** Keeps the metadata keys prefixed with the event group or the object's group, minus `<group>/checksum|digest`. */
export function cleanupMetadata(event: FluxEvent): void {
  const group = `${objectGroup(event)}/`;
  const excluded = new Set([`${group}checksum`, `${group}digest`]);
  const kept: Record<string, string> = {};
  for (const [key, value] of Object.entries(event.metadata ?? {})) {
    if (excluded.has(key.toLowerCase())) continue;
    if (key.startsWith(`${EVENT_GROUP}/`) || key.startsWith(group)) kept[key] = value;
  }
  event.metadata = kept;
}

/** Removes `<group>/token` (used only for de-duplication) before the event is dispatched. */
export function excludeInternalMetadata(event: FluxEvent): void {
  if (event.metadata) delete event.metadata[`${objectGroup(event)}/token`];
}

/** Keys set by more than one source, with the sources (reported as a warning on the Alert). */
export type MetadataConflicts = Record<string, string[]>;

/**
 * The event's metadata for an Alert, prefixes stripped. From lowest to highest precedence: event-group keys
 * (object annotations), the Alert's `eventMetadata`, its `summary`, the object-group keys (the emitting
 * controller's). Returns the merged map and the keys several sources set.
 */
export function combineEventMetadata(
  event: FluxEvent,
  alert: Pick<Alert, "spec">,
): { metadata: Record<string, string>; conflicts: MetadataConflicts } {
  const metadata: Record<string, string> = {};
  const sources: Record<string, string[]> = {};
  const set = (key: string, value: string, source: string) => {
    metadata[key] = value;
    const list = sources[key] ?? [];
    list.push(source);
    sources[key] = list;
  };
  for (const [k, v] of Object.entries(event.metadata ?? {})) {
    if (k.startsWith(`${EVENT_GROUP}/`)) set(k.slice(EVENT_GROUP.length + 1), v, "involved object annotations");
  }
  for (const [k, v] of Object.entries(alert.spec.eventMetadata ?? {})) set(k, v, "Alert object .spec.eventMetadata");
  if (alert.spec.summary) set("summary", alert.spec.summary, "Alert object .spec.summary");
  const group = `${objectGroup(event)}/`;
  if (group !== "/") {
    for (const [k, v] of Object.entries(event.metadata ?? {})) {
      if (k.startsWith(group)) set(k.slice(group.length), v, "involved object controller metadata");
    }
  }
  const conflicts: MetadataConflicts = {};
  for (const [key, list] of Object.entries(sources)) if (list.length > 1) conflicts[key] = list;
  return { metadata, conflicts };
}
