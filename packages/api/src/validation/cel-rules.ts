import { parse } from "@marcbachmann/cel-js";
import type { JsonSchema } from "../crd/openapi-schema.js";
import type { ValidationRule } from "../meta/schema-helpers.js";
import type { FieldError } from "./field-error.js";

type Compiled = ReturnType<typeof parse>;
const compiled = new Map<string, Compiled>();

function compile(rule: string): Compiled {
  let fn = compiled.get(rule);
  if (!fn) {
    fn = parse(rule);
    compiled.set(rule, fn);
  }
  return fn;
}

function childPath(path: string, key: string | number): string {
  if (typeof key === "number") return `${path}[${key}]`;
  return path === "" ? key : `${path}.${key}`;
}

/**
 * Evaluates every `x-kubernetes-validations` rule in `schema` against `value`, walking both together.
 * Transition rules (those using `oldSelf`) are skipped: they need the stored object, which only the API
 * server has.
 */
export function checkCelRules(schema: JsonSchema, value: unknown, path = ""): FieldError[] {
  const errors: FieldError[] = [];
  if (value === undefined || value === null) return errors;
  const rules = schema["x-kubernetes-validations"] as ValidationRule[] | undefined;
  for (const r of rules ?? []) {
    if (/\boldSelf\b/.test(r.rule)) continue;
    let ok: unknown;
    try {
      ok = compile(r.rule)({ self: value });
    } catch (err: unknown) {
      ok = false;
      if (!(err instanceof Error)) throw err;
    }
    if (ok !== true) {
      const fieldPath = r.fieldPath ? `${path}${r.fieldPath}` : path;
      errors.push({
        type: "FieldValueInvalid",
        field: fieldPath === "" ? "<root>" : fieldPath.replace(/^\./, ""),
        message: `Invalid value: "object": ${r.message ?? `failed rule: ${r.rule}`}`,
      });
    }
  }
  const props = schema["properties"] as Record<string, JsonSchema> | undefined;
  if (props && typeof value === "object" && !Array.isArray(value)) {
    for (const [key, sub] of Object.entries(props)) {
      errors.push(...checkCelRules(sub, (value as Record<string, unknown>)[key], childPath(path, key)));
    }
  }
  const items = schema["items"] as JsonSchema | undefined;
  if (items && Array.isArray(value)) {
    value.forEach((v, i) => {
      errors.push(...checkCelRules(items, v, childPath(path, i)));
    });
  }
  const additional = schema["additionalProperties"];
  if (additional && typeof additional === "object" && typeof value === "object" && !Array.isArray(value)) {
    for (const [key, v] of Object.entries(value as Record<string, unknown>)) {
      errors.push(...checkCelRules(additional as JsonSchema, v, childPath(path, key)));
    }
  }
  return errors;
}
