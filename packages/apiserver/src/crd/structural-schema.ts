import type { FieldError } from "../errors.js";
import { cloneJson, isObject, type JsonObject, type JsonValue, jsonEqual } from "../util/json.js";

/** Joins a field path the way Kubernetes prints it (`spec.items[0]`, `spec.labels[key]`). */
export function childPath(path: string, field: string): string {
  return path === "" ? field : `${path}.${field}`;
}

function props(schema: JsonObject): JsonObject | undefined {
  const p = schema["properties"];
  return isObject(p) ? p : undefined;
}

function additional(schema: JsonObject): JsonObject | boolean | undefined {
  const a = schema["additionalProperties"];
  if (isObject(a)) return a;
  if (typeof a === "boolean") return a;
  return undefined;
}

const ROOT_META_FIELDS = new Set(["apiVersion", "kind", "metadata"]);

/**
 * Removes fields the schema does not declare (unless `x-kubernetes-preserve-unknown-fields`) and nulls in
 * non-nullable fields, collecting the paths of removed fields (for strict field validation).
 */
export function pruneUnknown(
  value: JsonValue,
  schema: JsonObject | undefined,
  path: string,
  unknown: string[],
  root = false,
): JsonValue {
  if (!schema) return value;
  if (isObject(value)) {
    const p = props(schema);
    const a = additional(schema);
    const preserve = schema["x-kubernetes-preserve-unknown-fields"] === true;
    const embedded = schema["x-kubernetes-embedded-resource"] === true;
    const out: JsonObject = {};
    for (const [k, v] of Object.entries(value)) {
      const fieldPath = childPath(path, k);
      if ((root || embedded) && ROOT_META_FIELDS.has(k) && !(p && isObject(p[k]) && k !== "metadata")) {
        out[k] = v;
        continue;
      }
      const sub = p && isObject(p[k]) ? (p[k] as JsonObject) : isObject(a) ? a : undefined;
      if (sub) {
        if (v === null && sub["nullable"] !== true) continue;
        out[k] = pruneUnknown(v, sub, fieldPath, unknown);
        continue;
      }
      if (preserve || a === true) {
        out[k] = v;
        continue;
      }
      unknown.push(fieldPath);
    }
    return out;
  }
  if (Array.isArray(value) && isObject(schema["items"])) {
    const items = schema["items"] as JsonObject;
    return value.map((v, i) => pruneUnknown(v, items, `${path}[${i}]`, unknown));
  }
  return value;
}

/** Fills `default` values of missing properties (where the parent object exists), recursively. */
export function applyDefaults(value: JsonValue, schema: JsonObject | undefined): JsonValue {
  if (!schema) return value;
  if (isObject(value)) {
    const out: JsonObject = { ...value };
    const p = props(schema);
    if (p) {
      for (const [k, sub] of Object.entries(p)) {
        if (!isObject(sub)) continue;
        if (out[k] === undefined && sub["default"] !== undefined) out[k] = cloneJson(sub["default"] as JsonValue);
        if (out[k] !== undefined) out[k] = applyDefaults(out[k]!, sub);
      }
    }
    const a = additional(schema);
    if (isObject(a)) for (const [k, v] of Object.entries(out)) if (!p?.[k]) out[k] = applyDefaults(v, a);
    return out;
  }
  if (Array.isArray(value) && isObject(schema["items"])) {
    const items = schema["items"] as JsonObject;
    return value.map((v) => applyDefaults(v, items));
  }
  return value;
}

function typeOfValue(v: JsonValue): string {
  if (v === null) return "null";
  if (Array.isArray(v)) return "array";
  if (typeof v === "object") return "object";
  if (typeof v === "number") return Number.isInteger(v) ? "integer" : "number";
  return typeof v;
}

function matchesType(v: JsonValue, type: string): boolean {
  switch (type) {
    case "object":
      return isObject(v);
    case "array":
      return Array.isArray(v);
    case "string":
      return typeof v === "string";
    case "boolean":
      return typeof v === "boolean";
    case "integer":
      return typeof v === "number" && Number.isInteger(v);
    case "number":
      return typeof v === "number";
    default:
      return true;
  }
}

const FORMATS: Record<string, RegExp> = {
  "date-time": /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/,
  date: /^\d{4}-\d{2}-\d{2}$/,
  uuid: /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/,
  hostname: /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/,
  ipv4: /^(25[0-5]|2[0-4]\d|1?\d?\d)(\.(25[0-5]|2[0-4]\d|1?\d?\d)){3}$/,
};

/** Validates a value against an OpenAPI v3 structural schema; errors name each failing field. */
export function validateSchema(
  value: JsonValue,
  schema: JsonObject | undefined,
  path: string,
  errors: FieldError[],
): void {
  if (!schema) return;
  if (value === null) {
    if (schema["nullable"] === true) return;
    const t = schema["type"];
    if (typeof t === "string") {
      errors.push({
        type: "FieldValueInvalid",
        field: path,
        value: "null",
        detail: `${path} in body must be of type ${t}: "null"`,
      });
    }
    return;
  }
  const intOrString = schema["x-kubernetes-int-or-string"] === true;
  const type = schema["type"];
  if (intOrString) {
    if (!(typeof value === "string" || (typeof value === "number" && Number.isInteger(value)))) {
      errors.push({
        type: "FieldValueInvalid",
        field: path,
        value: typeOfValue(value),
        detail: `${path} in body must be of type integer,string: "${typeOfValue(value)}"`,
      });
      return;
    }
  } else if (typeof type === "string" && !matchesType(value, type)) {
    errors.push({
      type: "FieldValueInvalid",
      field: path,
      value: typeOfValue(value),
      detail: `${path} in body must be of type ${type}: "${typeOfValue(value)}"`,
    });
    return;
  }
  const en = schema["enum"];
  if (Array.isArray(en) && !en.some((e) => jsonEqual(e, value))) {
    errors.push({
      type: "FieldValueNotSupported",
      field: path,
      value,
      detail: `supported values: ${en.map((e) => JSON.stringify(e)).join(", ")}`,
    });
  }
  if (typeof value === "number") {
    const min = schema["minimum"];
    const max = schema["maximum"];
    if (typeof min === "number") {
      if (schema["exclusiveMinimum"] === true ? value <= min : value < min) {
        errors.push({
          type: "FieldValueInvalid",
          field: path,
          value,
          detail: `${path} in body should be greater than ${schema["exclusiveMinimum"] === true ? "" : "or equal to "}${min}`,
        });
      }
    }
    if (typeof max === "number") {
      if (schema["exclusiveMaximum"] === true ? value >= max : value > max) {
        errors.push({
          type: "FieldValueInvalid",
          field: path,
          value,
          detail: `${path} in body should be less than ${schema["exclusiveMaximum"] === true ? "" : "or equal to "}${max}`,
        });
      }
    }
    const mult = schema["multipleOf"];
    if (typeof mult === "number" && mult > 0 && Math.abs(value / mult - Math.round(value / mult)) > 1e-9) {
      errors.push({
        type: "FieldValueInvalid",
        field: path,
        value,
        detail: `${path} in body should be a multiple of ${mult}`,
      });
    }
  }
  if (typeof value === "string") {
    const minLength = schema["minLength"];
    const maxLength = schema["maxLength"];
    const len = [...value].length;
    if (typeof minLength === "number" && len < minLength) {
      errors.push({
        type: "FieldValueInvalid",
        field: path,
        value,
        detail: `${path} in body should be at least ${minLength} chars long`,
      });
    }
    if (typeof maxLength === "number" && len > maxLength) {
      errors.push({
        type: "FieldValueTooLong",
        field: path,
        omitValue: true,
        detail: `may not be more than ${maxLength} bytes`,
      });
    }
    const pattern = schema["pattern"];
    if (typeof pattern === "string" && !new RegExp(pattern, "u").test(value)) {
      errors.push({
        type: "FieldValueInvalid",
        field: path,
        value,
        detail: `${path} in body should match '${pattern}'`,
      });
    }
    const format = schema["format"];
    if (typeof format === "string" && FORMATS[format] && !FORMATS[format].test(value)) {
      errors.push({
        type: "FieldValueInvalid",
        field: path,
        value,
        detail: `${path} in body must be of type ${format}: ${JSON.stringify(value)}`,
      });
    }
  }
  if (Array.isArray(value)) {
    const minItems = schema["minItems"];
    const maxItems = schema["maxItems"];
    if (typeof minItems === "number" && value.length < minItems) {
      errors.push({
        type: "FieldValueInvalid",
        field: path,
        value: value.length,
        detail: `${path} in body should have at least ${minItems} items`,
      });
    }
    if (typeof maxItems === "number" && value.length > maxItems) {
      errors.push({
        type: "FieldValueTooMany",
        field: path,
        value: value.length,
        detail: `must have at most ${maxItems} items`,
      });
    }
    const listType = schema["x-kubernetes-list-type"];
    if (schema["uniqueItems"] === true || listType === "set") {
      value.forEach((v, i) => {
        if (value.findIndex((w) => jsonEqual(v, w)) < i)
          errors.push({ type: "FieldValueDuplicate", field: `${path}[${i}]`, value: v, detail: "" });
      });
    }
    if (listType === "map" && Array.isArray(schema["x-kubernetes-list-map-keys"])) {
      const keys = (schema["x-kubernetes-list-map-keys"] as JsonValue[]).map(String);
      const seen = new Set<string>();
      value.forEach((v, i) => {
        if (!isObject(v)) return;
        const id = JSON.stringify(keys.map((k) => v[k] ?? null));
        if (seen.has(id)) {
          const shown =
            keys.length === 1 ? (v[keys[0]!] ?? null) : Object.fromEntries(keys.map((k) => [k, v[k] ?? null]));
          errors.push({ type: "FieldValueDuplicate", field: `${path}[${i}]`, value: shown, detail: "" });
        }
        seen.add(id);
      });
    }
    if (isObject(schema["items"])) {
      const items = schema["items"] as JsonObject;
      for (const [i, v] of value.entries()) validateSchema(v, items, `${path}[${i}]`, errors);
    }
  }
  if (isObject(value)) {
    const required = schema["required"];
    if (Array.isArray(required)) {
      for (const r of required) {
        if (typeof r === "string" && value[r] === undefined) {
          errors.push({ type: "FieldValueRequired", field: childPath(path, r), omitValue: true, detail: "" });
        }
      }
    }
    const n = Object.keys(value).length;
    if (typeof schema["minProperties"] === "number" && n < schema["minProperties"]) {
      errors.push({
        type: "FieldValueInvalid",
        field: path,
        value: n,
        detail: `${path} in body should have at least ${schema["minProperties"]} properties`,
      });
    }
    if (typeof schema["maxProperties"] === "number" && n > schema["maxProperties"]) {
      errors.push({
        type: "FieldValueTooMany",
        field: path,
        value: n,
        detail: `must have at most ${schema["maxProperties"]} items`,
      });
    }
    const p = props(schema);
    const a = additional(schema);
    for (const [k, v] of Object.entries(value)) {
      const sub = p && isObject(p[k]) ? (p[k] as JsonObject) : isObject(a) ? a : undefined;
      if (sub && !(path === "" && (k === "apiVersion" || k === "kind" || k === "metadata")))
        validateSchema(v, sub, childPath(path, k), errors);
    }
  }
  for (const key of ["allOf", "anyOf", "oneOf"] as const) {
    const subs = schema[key];
    if (!Array.isArray(subs)) continue;
    const results = subs.filter(isObject).map((s) => {
      const errs: FieldError[] = [];
      validateSchema(value, s, path, errs);
      return errs;
    });
    if (key === "allOf") for (const r of results) errors.push(...r);
    if (key === "anyOf" && results.length > 0 && results.every((r) => r.length > 0)) {
      errors.push(...results[0]!);
    }
    if (key === "oneOf" && results.filter((r) => r.length === 0).length !== 1) {
      errors.push({
        type: "FieldValueInvalid",
        field: path,
        value: typeOfValue(value),
        detail: `${path} in body must match exactly one schema in oneOf`,
      });
    }
  }
  if (isObject(schema["not"])) {
    const errs: FieldError[] = [];
    validateSchema(value, schema["not"] as JsonObject, path, errs);
    if (errs.length === 0)
      errors.push({
        type: "FieldValueInvalid",
        field: path,
        value: typeOfValue(value),
        detail: `${path} in body must not match the schema in not`,
      });
  }
}
