import { EventMetadataAnnotationPrefix } from "@sluice/api";
import type { ApiObject } from "../kube/object-ref.js";
import { redactSecrets } from "./redact.js";
import { type EventInput, type FluxEvent, type InvolvedObject, MaxEventMessageLength } from "./types.js";

/** The `corev1.ObjectReference` of an object (only the fields it has). */
export function involvedObjectOf(obj: ApiObject): InvolvedObject {
  const ref: InvolvedObject = { kind: obj.kind, name: obj.metadata.name ?? "" };
  if (obj.apiVersion) ref.apiVersion = obj.apiVersion;
  if (obj.metadata.namespace) ref.namespace = obj.metadata.namespace;
  if (obj.metadata.uid) ref.uid = obj.metadata.uid;
  if (obj.metadata.resourceVersion) ref.resourceVersion = obj.metadata.resourceVersion;
  return ref;
}

/** Cuts a message to {@link MaxEventMessageLength} characters (ending with `...` when cut) after redaction. */
export function eventMessage(message: string): string {
  const clean = redactSecrets(message);
  return clean.length <= MaxEventMessageLength ? clean : `${clean.slice(0, MaxEventMessageLength - 3)}...`;
}

/**
 * The event metadata: the caller's keys (bare keys prefixed with `group/`), then the object's
 * `event.toolkit.fluxcd.io/*` annotations. Values are redacted. Undefined when empty.
 */
export function eventMetadata(
  obj: ApiObject,
  input: EventInput,
  group: string | undefined,
): Record<string, string> | undefined {
  const metadata: Record<string, string> = {};
  for (const [key, value] of Object.entries(input.metadata ?? {})) {
    const fullKey = key.includes("/") || !group ? key : `${group}/${key}`;
    metadata[fullKey] = redactSecrets(value);
  }
  for (const [key, value] of Object.entries(obj.metadata.annotations ?? {})) {
    if (key.startsWith(EventMetadataAnnotationPrefix)) metadata[key] = redactSecrets(value);
  }
  return Object.keys(metadata).length > 0 ? metadata : undefined;
}

/** Formats a time as metav1.Time does: RFC 3339 in UTC with second precision. */
export function metaTime(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, "Z");
}

/** Builds the Flux event body for one event (see `fluxcd/pkg/apis/event/v1beta1`). */
export function buildFluxEvent(
  obj: ApiObject,
  input: EventInput,
  context: { reportingController: string; reportingInstance: string; group?: string | undefined; now: Date },
): FluxEvent {
  const event: FluxEvent = {
    involvedObject: involvedObjectOf(obj),
    severity: input.severity,
    timestamp: metaTime(context.now),
    message: eventMessage(input.message),
    reason: input.reason,
    reportingController: context.reportingController,
    reportingInstance: context.reportingInstance,
  };
  const metadata = eventMetadata(obj, input, context.group);
  if (metadata) event.metadata = metadata;
  return event;
}
