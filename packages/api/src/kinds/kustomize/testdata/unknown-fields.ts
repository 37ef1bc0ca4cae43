// Test helper: lists the fields of an object its kind's published schema does not declare (what the
// API server would prune, or reject with fieldValidation=Strict). Used to prove the docs' examples only
// use fields our schemas know.
import { type JsonSchema, openApiSchemaFor } from "../../../crd/openapi-schema.js";
import type { KindDefinition } from "../../../meta/kind.js";

function walk(schema: JsonSchema, value: unknown, path: string, out: string[]): void {
  if (value === null || typeof value !== "object" || schema["x-kubernetes-preserve-unknown-fields"] === true) return;
  if (Array.isArray(value)) {
    const items = schema["items"] as JsonSchema | undefined;
    if (items) {
      for (const [i, v] of value.entries()) walk(items, v, `${path}[${i}]`, out);
    }
    return;
  }
  const props = schema["properties"] as Record<string, JsonSchema> | undefined;
  const additional = schema["additionalProperties"] as JsonSchema | boolean | undefined;
  for (const [key, v] of Object.entries(value)) {
    const child = path === "" ? key : `${path}.${key}`;
    const sub = props?.[key] ?? (typeof additional === "object" ? additional : undefined);
    if (sub) walk(sub, v, child, out);
    else if (additional !== true && path !== "metadata") out.push(child);
  }
}

/** The paths of fields in `obj` (outside metadata) that the kind's schema does not declare. */
export function unknownFields(def: KindDefinition, obj: unknown): string[] {
  const out: string[] = [];
  const schema = openApiSchemaFor(def);
  const props = schema["properties"] as Record<string, JsonSchema>;
  for (const [key, v] of Object.entries(obj as Record<string, unknown>)) {
    if (key === "metadata") continue;
    const sub = props[key];
    if (sub) walk(sub, v, key, out);
    else out.push(key);
  }
  return out;
}
