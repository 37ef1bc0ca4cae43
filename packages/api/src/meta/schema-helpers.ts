import { type TUnsafe, Type } from "@sinclair/typebox";

// TypeBox builds each schema and infers its TypeScript type. These helpers emit the structural-schema
// forms Kubernetes requires (enum instead of anyOf/const, additionalProperties instead of
// patternProperties), so what we validate with is exactly what the CRDs publish.

/** A string restricted to `values` (`type: string, enum: [...]`). */
export function StringEnum<const T extends readonly string[]>(
  values: T,
  options: { description?: string; default?: T[number] } = {},
): TUnsafe<T[number]> {
  return Type.Unsafe<T[number]>({ type: "string", enum: [...values], ...options });
}

/** A map of string to string (`additionalProperties: {type: string}`), e.g. labels. */
export function StringMap(options: { description?: string } = {}): TUnsafe<Record<string, string>> {
  return Type.Unsafe<Record<string, string>>({ type: "object", additionalProperties: { type: "string" }, ...options });
}

/** Arbitrary JSON kept as-is by the API server (`x-kubernetes-preserve-unknown-fields`). */
export function JsonValue(options: { description?: string } = {}): TUnsafe<unknown> {
  return Type.Unsafe<unknown>({ "x-kubernetes-preserve-unknown-fields": true, ...options });
}

/** An object with any fields (`type: object` + preserve unknown fields), e.g. Helm values. */
export function JsonObject(options: { description?: string } = {}): TUnsafe<Record<string, unknown>> {
  return Type.Unsafe<Record<string, unknown>>({
    type: "object",
    "x-kubernetes-preserve-unknown-fields": true,
    ...options,
  });
}

/** A CEL validation rule as carried by `x-kubernetes-validations`. */
export interface ValidationRule {
  rule: string;
  message?: string;
  messageExpression?: string;
  fieldPath?: string;
  reason?: string;
}
