import { Environment } from "@marcbachmann/cel-js";
import type { FieldError } from "../errors.js";
import { isObject, type JsonObject, type JsonValue } from "../util/json.js";
import { childPath } from "./structural-schema.js";

/** One `x-kubernetes-validations` rule. */
export interface ValidationRule {
  rule: string;
  message?: string;
  messageExpression?: string;
  reason?: string;
  fieldPath?: string;
  optionalOldSelf?: boolean;
}

type Program = (ctx: Record<string, unknown>) => unknown;

const env = new Environment({
  unlistedVariablesAreDyn: true,
  homogeneousAggregateLiterals: false,
  enableOptionalTypes: true,
});
const cache = new Map<string, Program>();

/** Compiles a CEL expression (cached); throws with the compiler's message when invalid. */
export function compileCel(expr: string): Program {
  let p = cache.get(expr);
  if (!p) {
    p = env.parse(expr) as unknown as Program;
    cache.set(expr, p);
  }
  return p;
}

/** Converts a JSON value to CEL values following the schema: integers become int (bigint). */
export function toCel(value: JsonValue | undefined, schema: JsonObject | undefined): unknown {
  if (value === undefined || value === null) return value ?? null;
  if (Array.isArray(value)) {
    const items = schema && isObject(schema["items"]) ? (schema["items"] as JsonObject) : undefined;
    return value.map((v) => toCel(v, items));
  }
  if (isObject(value)) {
    const out: Record<string, unknown> = {};
    const props = schema && isObject(schema["properties"]) ? (schema["properties"] as JsonObject) : undefined;
    const add =
      schema && isObject(schema["additionalProperties"]) ? (schema["additionalProperties"] as JsonObject) : undefined;
    for (const [k, v] of Object.entries(value)) {
      const sub = props && isObject(props[k]) ? (props[k] as JsonObject) : add;
      out[k] = toCel(v, sub);
    }
    return out;
  }
  if (typeof value === "number") {
    const type = schema?.["type"];
    if ((type === "integer" || schema?.["x-kubernetes-int-or-string"] === true) && Number.isInteger(value))
      return BigInt(value);
    return value;
  }
  return value;
}

function typeName(v: JsonValue): string {
  if (Array.isArray(v)) return "array";
  if (v === null) return "null";
  if (typeof v === "object") return "object";
  if (typeof v === "number") return Number.isInteger(v) ? "integer" : "number";
  return typeof v;
}

function ruleReason(reason: string | undefined): FieldError["type"] {
  switch (reason) {
    case "FieldValueForbidden":
      return "FieldValueForbidden";
    case "FieldValueRequired":
      return "FieldValueRequired";
    case "FieldValueDuplicate":
      return "FieldValueDuplicate";
    default:
      return "FieldValueInvalid";
  }
}

function correlatedOld(
  old: JsonValue | undefined,
  key: string | number,
  schema: JsonObject,
  item: JsonValue,
): JsonValue | undefined {
  if (old === undefined) return undefined;
  if (typeof key === "string") return isObject(old) ? old[key] : undefined;
  if (!Array.isArray(old) || !isObject(item)) return undefined;
  if (schema["x-kubernetes-list-type"] !== "map" || !Array.isArray(schema["x-kubernetes-list-map-keys"]))
    return undefined;
  const keys = (schema["x-kubernetes-list-map-keys"] as JsonValue[]).map(String);
  return old.find((o) => isObject(o) && keys.every((k) => JSON.stringify(o[k]) === JSON.stringify(item[k])));
}

/**
 * Evaluates every `x-kubernetes-validations` rule in a schema against a value (and the old value where it can be
 * correlated, for transition rules using `oldSelf`), adding a field error for each rule that does not hold.
 */
export function validateCelRules(
  value: JsonValue,
  old: JsonValue | undefined,
  schema: JsonObject | undefined,
  path: string,
  errors: FieldError[],
): void {
  if (!schema || value === undefined) return;
  const rules = schema["x-kubernetes-validations"];
  if (Array.isArray(rules)) {
    for (const r of rules) {
      if (!isObject(r) || typeof r["rule"] !== "string") continue;
      const rule = r as unknown as ValidationRule;
      const usesOld = /\boldSelf\b/.test(rule.rule);
      if (usesOld && old === undefined && rule.optionalOldSelf !== true) continue;
      const ctx: Record<string, unknown> = { self: toCel(value, schema) };
      if (usesOld) ctx["oldSelf"] = old === undefined ? null : toCel(old, schema);
      let ok: unknown;
      try {
        ok = compileCel(rule.rule)(ctx);
      } catch (err: unknown) {
        errors.push({
          type: "FieldValueInvalid",
          field: path,
          value: typeName(value),
          detail: `rule evaluation failed: ${rule.rule}: ${err instanceof Error ? err.message : String(err)}`,
        });
        continue;
      }
      if (ok === true) continue;
      let message = rule.message ?? `failed rule: ${rule.rule}`;
      if (rule.messageExpression) {
        try {
          const m = compileCel(rule.messageExpression)(ctx);
          if (typeof m === "string" && m !== "") message = m;
        } catch {
          // kube-apiserver falls back to the static message when messageExpression fails
        }
      }
      const field = rule.fieldPath ? childPath(path, rule.fieldPath.replace(/^\./, "")) : path === "" ? "<nil>" : path;
      errors.push({ type: ruleReason(rule.reason), field, value: typeName(value), detail: message });
    }
  }
  if (isObject(value)) {
    const props = isObject(schema["properties"]) ? (schema["properties"] as JsonObject) : undefined;
    const add = isObject(schema["additionalProperties"]) ? (schema["additionalProperties"] as JsonObject) : undefined;
    for (const [k, v] of Object.entries(value)) {
      if (path === "" && (k === "apiVersion" || k === "kind" || k === "metadata")) continue;
      const sub = props && isObject(props[k]) ? (props[k] as JsonObject) : add;
      if (sub) validateCelRules(v, correlatedOld(old, k, schema, v), sub, childPath(path, k), errors);
    }
  } else if (Array.isArray(value) && isObject(schema["items"])) {
    const items = schema["items"] as JsonObject;
    for (const [i, v] of value.entries())
      validateCelRules(v, correlatedOld(old, i, schema, v), items, `${path}[${i}]`, errors);
  }
}

/** Compiles every rule of a schema; returns an error per rule that does not compile. */
export function checkCelRules(schema: JsonValue | undefined, path: string, errors: FieldError[]): void {
  if (!isObject(schema)) return;
  const rules = schema["x-kubernetes-validations"];
  if (Array.isArray(rules)) {
    rules.forEach((r, i) => {
      if (!isObject(r) || typeof r["rule"] !== "string") return;
      try {
        compileCel(r["rule"]);
      } catch (err: unknown) {
        errors.push({
          type: "FieldValueInvalid",
          field: `${path}.x-kubernetes-validations[${i}].rule`,
          value: r["rule"],
          detail: `compilation failed: ${err instanceof Error ? err.message : String(err)}`,
        });
      }
    });
  }
  const props = schema["properties"];
  if (isObject(props)) for (const [k, v] of Object.entries(props)) checkCelRules(v, `${path}.properties[${k}]`, errors);
  if (isObject(schema["items"])) checkCelRules(schema["items"], `${path}.items`, errors);
  if (isObject(schema["additionalProperties"]))
    checkCelRules(schema["additionalProperties"], `${path}.additionalProperties`, errors);
}
