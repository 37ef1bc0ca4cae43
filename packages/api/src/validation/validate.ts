import { Ajv, type ErrorObject, type ValidateFunction } from "ajv";
import addFormatsModule from "ajv-formats";
import { type JsonSchema, openApiSchemaFor } from "../crd/openapi-schema.js";
import type { KindDefinition } from "../meta/kind.js";
import { checkCelRules } from "./cel-rules.js";
import { type FieldError, ObjectValidationError } from "./field-error.js";

type AddFormats = (ajv: Ajv, formats: string[]) => Ajv;
// ajv-formats is CommonJS; under NodeNext its default export arrives wrapped.
const addFormats = ((addFormatsModule as unknown as { default?: AddFormats }).default ??
  addFormatsModule) as unknown as AddFormats;

function newAjv(useDefaults: boolean): Ajv {
  const ajv = new Ajv({ allErrors: true, strict: false, useDefaults, logger: false });
  addFormats(ajv, ["date-time", "int32", "int64", "uri"]);
  // Kubernetes' `duration` format is a Go duration, not ISO 8601; the schema's pattern checks it.
  ajv.addFormat("duration", true);
  return ajv;
}

const checker = newAjv(false);
const defaulter = newAjv(true);
const cache = new WeakMap<KindDefinition, { schema: JsonSchema; check: ValidateFunction; fill: ValidateFunction }>();

function compiled(def: KindDefinition) {
  let entry = cache.get(def);
  if (!entry) {
    const schema = openApiSchemaFor(def);
    // The root object's `status.default` only matters to the API server; don't default status here.
    entry = { schema, check: checker.compile(schema), fill: defaulter.compile(withoutStatusDefault(schema)) };
    cache.set(def, entry);
  }
  return entry;
}

function withoutStatusDefault(schema: JsonSchema): JsonSchema {
  const copy = structuredClone(schema);
  const status = (copy["properties"] as Record<string, JsonSchema>)["status"];
  if (status) delete status["default"];
  return copy;
}

function fieldOf(instancePath: string): string {
  return instancePath
    .split("/")
    .slice(1)
    .map((seg) => seg.replace(/~1/g, "/").replace(/~0/g, "~"))
    .reduce((acc, seg) => (/^\d+$/.test(seg) ? `${acc}[${seg}]` : acc === "" ? seg : `${acc}.${seg}`), "");
}

function show(value: unknown): string {
  return typeof value === "string" ? JSON.stringify(value) : JSON.stringify(value ?? null);
}

function valueAt(obj: unknown, instancePath: string): unknown {
  let cur: unknown = obj;
  for (const seg of instancePath.split("/").slice(1)) {
    if (cur === null || typeof cur !== "object") return undefined;
    cur = (cur as Record<string, unknown>)[seg.replace(/~1/g, "/").replace(/~0/g, "~")];
  }
  return cur;
}

// Turns one ajv error into kube-apiserver's wording, e.g.
// `spec.interval: Invalid value: "1x": spec.interval in body should match '^…$'`.
function toFieldError(err: ErrorObject, obj: unknown): FieldError {
  const field = fieldOf(err.instancePath);
  const value = valueAt(obj, err.instancePath);
  const p = err.params as Record<string, unknown>;
  switch (err.keyword) {
    case "required": {
      const missing = field === "" ? String(p["missingProperty"]) : `${field}.${String(p["missingProperty"])}`;
      return { type: "FieldValueRequired", field: missing, message: "Required value" };
    }
    case "enum": {
      const allowed = (p["allowedValues"] as unknown[]).map((v) => JSON.stringify(v)).join(", ");
      return {
        type: "FieldValueNotSupported",
        field,
        message: `Unsupported value: ${show(value)}: supported values: ${allowed}`,
      };
    }
    case "type":
      return {
        type: "FieldValueTypeInvalid",
        field,
        message: `Invalid value: ${show(value)}: ${field} in body must be of type ${String(p["type"])}`,
      };
    case "pattern":
      return {
        type: "FieldValueInvalid",
        field,
        message: `Invalid value: ${show(value)}: ${field} in body should match '${String(p["pattern"])}'`,
      };
    case "format":
      return {
        type: "FieldValueInvalid",
        field,
        message: `Invalid value: ${show(value)}: ${field} in body must be of type ${String(p["format"])}`,
      };
    default:
      return { type: "FieldValueInvalid", field, message: `Invalid value: ${show(value)}: ${field} ${err.message}` };
  }
}

/** Returns a deep copy of `obj` with the schema's defaults filled in, as the API server would on create. */
export function applyDefaults<T>(def: KindDefinition, obj: T): T {
  const copy = structuredClone(obj);
  compiled(def).fill(copy);
  return copy;
}

// The API server treats null on a non-nullable field as absent (controllers write null for unset times).
function dropNulls(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(dropNulls);
  if (value !== null && typeof value === "object") {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) if (v !== null) out[k] = dropNulls(v);
    return out;
  }
  return value;
}

/**
 * Validates an object against its kind's published schema (after defaulting), including CEL rules.
 * Returns every invalid field; an empty list means valid.
 */
export function validateObject(def: KindDefinition, obj: unknown): FieldError[] {
  const { schema, check } = compiled(def);
  const defaulted = applyDefaults(def, dropNulls(obj));
  const errors: FieldError[] = [];
  if (!check(defaulted)) {
    const seen = new Set<string>();
    for (const e of check.errors ?? []) {
      const fe = toFieldError(e, defaulted);
      const key = `${fe.field}|${fe.message}`;
      if (!seen.has(key)) {
        seen.add(key);
        errors.push(fe);
      }
    }
  }
  if (errors.length === 0) errors.push(...checkCelRules(schema, defaulted));
  return errors;
}

/** Throws {@link ObjectValidationError} naming `Kind/namespace/name` and every bad field when invalid. */
export function assertValid(
  def: KindDefinition,
  obj: { metadata?: { name?: string; namespace?: string } | undefined; [key: string]: unknown },
): void {
  const errors = validateObject(def, obj);
  if (errors.length > 0) {
    const ns = obj.metadata?.namespace ? `${obj.metadata.namespace}/` : "";
    throw new ObjectValidationError(`${def.kind} ${ns}${obj.metadata?.name ?? "<unnamed>"}`, errors);
  }
}
