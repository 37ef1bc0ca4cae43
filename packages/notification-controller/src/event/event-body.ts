// Decoding and checking an event POSTed to the event server: the JSON the runtime's EventRecorder (and
// Flux's controllers) send, `fluxcd/pkg/apis/event/v1beta1.Event`.

import type { FluxEvent } from "@sluice/runtime/events";

/** The body is not a usable event; the message says why (returned with 400). */
export class InvalidEventError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "InvalidEventError";
  }
}

const SEVERITIES = new Set(["trace", "info", "error"]);

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function optionalString(obj: Record<string, unknown>, key: string, where: string): string | undefined {
  const value = obj[key];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== "string") throw new InvalidEventError(`${where}${key} must be a string`);
  return value;
}

function requiredString(obj: Record<string, unknown>, key: string, where: string): string {
  const value = optionalString(obj, key, where);
  if (!value) throw new InvalidEventError(`${where}${key} is required`);
  return value;
}

/**
 * Parses an event body. Throws {@link InvalidEventError} naming the field when the JSON is malformed,
 * `involvedObject` lacks kind, name or namespace, `severity` is not trace/info/error, or a field has the
 * wrong type.
 */
export function parseEvent(body: Buffer): FluxEvent {
  let raw: unknown;
  try {
    raw = JSON.parse(body.toString("utf8"));
  } catch (err: unknown) {
    throw new InvalidEventError(
      `decoding the request body failed: ${err instanceof Error ? err.message : String(err)}`,
    );
  }
  if (!isRecord(raw)) throw new InvalidEventError("decoding the request body failed: not a JSON object");
  const io = raw["involvedObject"];
  if (!isRecord(io)) throw new InvalidEventError("involvedObject is required");
  const involvedObject: FluxEvent["involvedObject"] = {
    kind: requiredString(io, "kind", "involvedObject."),
    name: requiredString(io, "name", "involvedObject."),
    namespace: requiredString(io, "namespace", "involvedObject."),
  };
  for (const key of ["apiVersion", "uid", "resourceVersion"] as const) {
    const value = optionalString(io, key, "involvedObject.");
    if (value) involvedObject[key] = value;
  }
  const severity = requiredString(raw, "severity", "");
  if (!SEVERITIES.has(severity)) {
    throw new InvalidEventError(`severity "${severity}" is not one of trace, info, error`);
  }
  const metadataRaw = raw["metadata"];
  let metadata: Record<string, string> | undefined;
  if (metadataRaw !== undefined && metadataRaw !== null) {
    if (!isRecord(metadataRaw)) throw new InvalidEventError("metadata must be a map of strings");
    metadata = {};
    for (const [k, v] of Object.entries(metadataRaw)) {
      if (typeof v !== "string") throw new InvalidEventError(`metadata.${k} must be a string`);
      metadata[k] = v;
    }
  }
  const event: FluxEvent = {
    involvedObject,
    severity: severity as FluxEvent["severity"],
    timestamp: optionalString(raw, "timestamp", "") ?? "",
    message: optionalString(raw, "message", "") ?? "",
    reason: requiredString(raw, "reason", ""),
    reportingController: optionalString(raw, "reportingController", "") ?? "",
  };
  if (metadata) event.metadata = metadata;
  const instance = optionalString(raw, "reportingInstance", "");
  if (instance) event.reportingInstance = instance;
  return event;
}
