import type { FieldError } from "../errors.js";
import type { ResourceType } from "../resources/resource-type.js";
import { getPath, isObject, type JsonObject, type JsonValue } from "../util/json.js";
import { quantityValue } from "../util/quantity.js";

const IMMUTABLE_WHEN_SET = "field is immutable when `immutable` is set";
const IMMUTABLE = "field is immutable";

/**
 * Drops empty lists and maps (recursively), so that values compare the way apimachinery's semantic equality
 * does: a nil and an empty slice or map are equal.
 */
function normalized(v: JsonValue | undefined): JsonValue | undefined {
  if (Array.isArray(v)) {
    if (v.length === 0) return undefined;
    return v.map((item) => normalized(item) ?? null);
  }
  if (isObject(v)) {
    const out: JsonObject = {};
    for (const k of Object.keys(v).sort()) {
      const n = normalized(v[k]);
      if (n !== undefined) out[k] = n;
    }
    return Object.keys(out).length === 0 ? undefined : out;
  }
  return v;
}

/** Semantic equality of two JSON values (nil and empty collections are equal, key order ignored). */
export function semanticEqual(a: JsonValue | undefined, b: JsonValue | undefined): boolean {
  return JSON.stringify(normalized(a) ?? null) === JSON.stringify(normalized(b) ?? null);
}

/** `ValidateImmutableField`: Invalid with the new value when the value changed. */
function immutableField(obj: JsonObject, old: JsonObject, path: string[], errors: FieldError[]): void {
  const now = getPath(obj, path);
  if (semanticEqual(now, getPath(old, path))) return;
  errors.push({ type: "FieldValueInvalid", field: path.join("."), value: now ?? null, detail: IMMUTABLE });
}

/** ConfigMap and Secret: with `immutable: true`, the payload and the flag itself are frozen. */
function immutablePayload(obj: JsonObject, old: JsonObject, fields: string[], errors: FieldError[]): void {
  if (old["immutable"] !== true) return;
  if (obj["immutable"] !== true) {
    errors.push({ type: "FieldValueForbidden", field: "immutable", detail: IMMUTABLE_WHEN_SET, omitValue: true });
  }
  for (const f of fields) {
    if (!semanticEqual(obj[f], old[f])) {
      errors.push({ type: "FieldValueForbidden", field: f, detail: IMMUTABLE_WHEN_SET, omitValue: true });
    }
  }
}

const STATEFULSET_MUTABLE = [
  "replicas",
  "ordinals",
  "template",
  "updateStrategy",
  "revisionHistoryLimit",
  "persistentVolumeClaimRetentionPolicy",
  "minReadySeconds",
];

function without(obj: JsonValue | undefined, keys: string[]): JsonObject {
  const out: JsonObject = {};
  if (!isObject(obj)) return out;
  for (const [k, v] of Object.entries(obj)) if (!keys.includes(k)) out[k] = v;
  return out;
}

/** StatefulSet: only a few spec fields may change (`ValidateStatefulSetUpdate`). */
function statefulSetSpec(obj: JsonObject, old: JsonObject, errors: FieldError[]): void {
  if (semanticEqual(without(obj["spec"], STATEFULSET_MUTABLE), without(old["spec"], STATEFULSET_MUTABLE))) return;
  errors.push({
    type: "FieldValueForbidden",
    field: "spec",
    detail:
      "updates to statefulset spec for fields other than 'replicas', 'ordinals', 'template', 'updateStrategy', 'revisionHistoryLimit', 'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds' are forbidden",
    omitValue: true,
  });
}

/** Service: the primary cluster IP cannot change unless the Service is or becomes ExternalName. */
function serviceClusterIp(obj: JsonObject, old: JsonObject, errors: FieldError[]): void {
  if (getPath(obj, ["spec", "type"]) === "ExternalName" || getPath(old, ["spec", "type"]) === "ExternalName") return;
  const now = getPath(obj, ["spec", "clusterIPs"]);
  const before = getPath(old, ["spec", "clusterIPs"]);
  if (!Array.isArray(now) || !Array.isArray(before) || now.length === 0 || before.length === 0) return;
  if (now[0] === before[0]) return;
  errors.push({
    type: "FieldValueInvalid",
    field: "spec.clusterIPs[0]",
    value: now,
    detail: "may not change once set",
  });
}

function storageOf(obj: JsonObject, path: string[]): number | undefined {
  const v = getPath(obj, path);
  return typeof v === "string" ? quantityValue(v) : typeof v === "number" ? v : undefined;
}

/**
 * A claim's storage request may shrink only while it stays above `status.capacity` (recovery from a failed
 * expansion, on by default since Kubernetes 1.32).
 */
function pvcStorageRequest(obj: JsonObject, old: JsonObject, errors: FieldError[]): void {
  const now = storageOf(obj, ["spec", "resources", "requests", "storage"]);
  const before = storageOf(old, ["spec", "resources", "requests", "storage"]);
  if (now === undefined || before === undefined || now >= before) return;
  if (now > (storageOf(old, ["status", "capacity", "storage"]) ?? 0)) return;
  errors.push({
    type: "FieldValueForbidden",
    field: "spec.resources.requests.storage",
    detail: "field can not be less than status.capacity",
    omitValue: true,
  });
}

/**
 * PersistentVolumeClaim: the spec is frozen except `resources.requests` of bound claims,
 * `volumeAttributesClassName`, binding an unset `volumeName`, and setting an unset `storageClassName` on an
 * unbound claim (`ValidatePersistentVolumeClaimUpdate`).
 */
function pvcSpec(obj: JsonObject, old: JsonObject, errors: FieldError[]): void {
  const spec = isObject(obj["spec"]) ? { ...obj["spec"] } : {};
  const oldSpec = isObject(old["spec"]) ? { ...old["spec"] } : {};
  const bound = getPath(old, ["status", "phase"]) === "Bound";
  for (const s of [spec, oldSpec]) delete s["volumeAttributesClassName"];
  if (oldSpec["volumeName"] === undefined || oldSpec["volumeName"] === "") delete spec["volumeName"];
  if (oldSpec["volumeName"] === undefined || oldSpec["volumeName"] === "") delete oldSpec["volumeName"];
  if (oldSpec["storageClassName"] === undefined && !bound) delete spec["storageClassName"];
  if (bound) {
    for (const s of [spec, oldSpec]) {
      if (isObject(s["resources"])) s["resources"] = { ...s["resources"], requests: {} };
    }
  }
  pvcStorageRequest(obj, old, errors);
  if (semanticEqual(spec, oldSpec)) return;
  const changed = [...new Set([...Object.keys(spec), ...Object.keys(oldSpec)])]
    .filter((k) => !semanticEqual(spec[k], oldSpec[k]))
    .sort()
    .map((k) => `\n- ${k}: ${JSON.stringify(oldSpec[k] ?? null)}\n+ ${k}: ${JSON.stringify(spec[k] ?? null)}`)
    .join("");
  errors.push({
    type: "FieldValueForbidden",
    field: "spec",
    detail: `spec is immutable after creation except resources.requests and volumeAttributesClassName for bound claims${changed}`,
    omitValue: true,
  });
}

/**
 * The update validation kube-apiserver runs on built-in kinds for fields that cannot change once set: frozen
 * ConfigMaps and Secrets, workload selectors, Job templates, Service cluster IPs, PersistentVolumeClaim specs.
 * `obj` is the defaulted new object, `old` the stored one. Returns the field errors (422 when non-empty).
 */
export function validateBuiltinUpdate(rt: ResourceType, obj: JsonObject, old: JsonObject): FieldError[] {
  const errors: FieldError[] = [];
  switch (`${rt.group}/${rt.kind}`) {
    case "/ConfigMap":
      immutablePayload(obj, old, ["data", "binaryData"], errors);
      break;
    case "/Secret":
      immutablePayload(obj, old, ["data"], errors);
      if (obj["type"] !== old["type"]) immutableField(obj, old, ["type"], errors);
      break;
    case "/Service":
      serviceClusterIp(obj, old, errors);
      break;
    case "/PersistentVolumeClaim":
      pvcSpec(obj, old, errors);
      break;
    case "apps/Deployment":
    case "apps/ReplicaSet":
    case "apps/DaemonSet":
      immutableField(obj, old, ["spec", "selector"], errors);
      break;
    case "apps/StatefulSet":
      statefulSetSpec(obj, old, errors);
      break;
    case "batch/Job":
      immutableField(obj, old, ["spec", "selector"], errors);
      immutableField(obj, old, ["spec", "template"], errors);
      break;
    default:
      break;
  }
  return errors;
}
