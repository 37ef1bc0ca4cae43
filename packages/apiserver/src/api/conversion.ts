import type { JsonObject } from "../util/json.js";
import type { KubeObject } from "../util/meta.js";

/** core/v1 Event field → events.k8s.io/v1 Event field (the rest keep their names). */
const EVENT_FIELDS: [core: string, events: string][] = [
  ["involvedObject", "regarding"],
  ["message", "note"],
  ["reportingComponent", "reportingController"],
  ["source", "deprecatedSource"],
  ["firstTimestamp", "deprecatedFirstTimestamp"],
  ["lastTimestamp", "deprecatedLastTimestamp"],
  ["count", "deprecatedCount"],
];

function renameFields(obj: KubeObject, pairs: [from: string, to: string][], apiVersion: string): KubeObject {
  const out: JsonObject = {};
  const rename = new Map(pairs);
  for (const [k, v] of Object.entries(obj)) out[rename.get(k) ?? k] = v;
  out["apiVersion"] = apiVersion;
  return out as KubeObject;
}

/**
 * Converts a stored object to another served group/version of the same resource. Only the apiVersion changes
 * (`None` conversion), except for Events, stored once and served as core/v1 and events.k8s.io/v1 with
 * their field names mapped as kube-apiserver maps them.
 */
export function convertObject(obj: KubeObject, toApiVersion: string): KubeObject {
  const from = obj["apiVersion"];
  if (from === toApiVersion) return obj;
  if (obj["kind"] === "Event") {
    if (from === "v1" && toApiVersion === "events.k8s.io/v1") return renameFields(obj, EVENT_FIELDS, toApiVersion);
    if (from === "events.k8s.io/v1" && toApiVersion === "v1") {
      return renameFields(
        obj,
        EVENT_FIELDS.map(([c, e]) => [e, c]),
        toApiVersion,
      );
    }
  }
  return { ...obj, apiVersion: toApiVersion };
}
