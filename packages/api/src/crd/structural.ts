import type { JsonSchema } from "./openapi-schema.js";

// Keywords a Kubernetes structural schema may not use anywhere (apiextensions v1 rejects them).
const FORBIDDEN = ["patternProperties", "const", "$ref", "definitions", "dependencies", "additionalItems"];

/**
 * Lists the ways `schema` breaks Kubernetes' structural-schema rules: a node without `type` (unless it
 * preserves unknown fields or is int-or-string), `properties` together with `additionalProperties`,
 * forbidden keywords, and `anyOf`/`oneOf`/`allOf` branches that declare types. Empty means structural.
 */
export function structuralViolations(schema: JsonSchema, path = "<root>"): string[] {
  const out: string[] = [];
  const unknownOk =
    schema["x-kubernetes-preserve-unknown-fields"] === true || schema["x-kubernetes-int-or-string"] === true;
  if (schema["type"] === undefined && !unknownOk) out.push(`${path}: missing type`);
  for (const key of FORBIDDEN) if (key in schema) out.push(`${path}: uses ${key}`);
  if (schema["properties"] && schema["additionalProperties"] !== undefined) {
    out.push(`${path}: properties and additionalProperties together`);
  }
  for (const junctor of ["anyOf", "oneOf", "allOf"]) {
    for (const branch of (schema[junctor] as JsonSchema[] | undefined) ?? []) {
      if ("type" in branch || "default" in branch) out.push(`${path}: ${junctor} branch declares type/default`);
    }
  }
  for (const [key, sub] of Object.entries((schema["properties"] as Record<string, JsonSchema>) ?? {})) {
    out.push(...structuralViolations(sub, `${path}.${key}`));
  }
  if (schema["items"]) out.push(...structuralViolations(schema["items"] as JsonSchema, `${path}[]`));
  const additional = schema["additionalProperties"];
  if (additional && typeof additional === "object") {
    out.push(...structuralViolations(additional as JsonSchema, `${path}.*`));
  }
  return out;
}
