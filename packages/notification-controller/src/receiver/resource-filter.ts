// Receiver CEL filters (`spec.resourceFilter` and each `resources[].filter`): boolean expressions over
// `res` (the resource's apiVersion, kind and metadata) and `req` (the JSON body, `{}` for other content
// types). A resource is annotated only when every filter that applies to it is true.

import { parse as parseCel } from "@marcbachmann/cel-js";

type Compiled = ReturnType<typeof parseCel>;

/** An expression that does not parse (the Receiver stalls with `InvalidCELExpression`). */
export class InvalidFilterError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "InvalidFilterError";
  }
}

const cache = new Map<string, Compiled>();

/** Compiles a filter expression (cached); throws {@link InvalidFilterError}. */
export function compileFilter(expr: string): Compiled {
  let fn = cache.get(expr);
  if (!fn) {
    try {
      fn = parseCel(expr);
    } catch (err: unknown) {
      throw new InvalidFilterError(err instanceof Error ? err.message : String(err));
    }
    if (cache.size > 1000) cache.clear();
    cache.set(expr, fn);
  }
  return fn;
}

/** Evaluates a filter; a non-boolean result or an evaluation error throws. */
export function evaluateFilter(expr: string, vars: { res: unknown; req: unknown }): boolean {
  const result = compileFilter(expr)(vars);
  if (typeof result !== "boolean") throw new InvalidFilterError(`expression "${expr}" did not return a boolean`);
  return result;
}

/** The `req` variable: the parsed JSON body when Content-Type is application/json, else `{}`. */
export function requestVariable(contentType: string | undefined, body: Buffer): Record<string, unknown> {
  const isJson = (contentType ?? "")
    .split(",")
    .some((t) => t.split(";")[0]?.trim().toLowerCase() === "application/json");
  if (!isJson) return {};
  try {
    const parsed: unknown = JSON.parse(body.toString("utf8"));
    return typeof parsed === "object" && parsed !== null ? (parsed as Record<string, unknown>) : {};
  } catch (err: unknown) {
    throw new InvalidFilterError(
      `failed to parse request body as JSON: ${err instanceof Error ? err.message : String(err)}`,
    );
  }
}
