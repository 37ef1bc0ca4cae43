import { readFileSync } from "node:fs";
import type { JsonObject } from "../util/json.js";

/** One OpenAPI v2 schema (a definition or a property) as the generated document holds it. */
export interface OpenApiSchema {
  type?: "object" | "array" | "string" | "integer" | "number" | "boolean";
  format?: string;
  description?: string;
  required?: string[];
  properties?: Record<string, OpenApiSchema>;
  additionalProperties?: OpenApiSchema;
  items?: OpenApiSchema;
  $ref?: string;
  "x-kubernetes-preserve-unknown-fields"?: boolean;
}

/** The built-in OpenAPI definitions and where they come from. */
export interface BuiltinOpenApi {
  /** The npm package the definitions were rebuilt from (`@kubernetes/client-node@1.3.0`). */
  source: string;
  /** The Kubernetes OpenAPI spec version of that package (`v1.33.0`). */
  specVersion: string;
  definitions: Record<string, OpenApiSchema>;
}

const FILE = new URL("../../generated/builtin-openapi.json", import.meta.url);

let loaded: BuiltinOpenApi | undefined;

/**
 * The OpenAPI v2 definitions of the Kubernetes built-in types, generated at install and build time by
 * `scripts/generate-builtin-openapi.mjs` from @kubernetes/client-node (see the package README).
 */
export function builtinOpenApi(): BuiltinOpenApi {
  if (loaded) return loaded;
  let text: string;
  try {
    text = readFileSync(FILE, "utf8");
  } catch (err: unknown) {
    throw new Error(
      `the built-in OpenAPI definitions are missing (${FILE.pathname}): run \`pnpm install\` or \`pnpm build\` in packages/apiserver (${err instanceof Error ? err.message : String(err)})`,
    );
  }
  loaded = JSON.parse(text) as BuiltinOpenApi;
  return loaded;
}

/** The Go package prefix of a built-in group's definitions: `io.k8s.api.apps`, `io.k8s.api.core`. */
function groupPrefix(group: string): string {
  if (group === "") return "io.k8s.api.core";
  if (group === "apiextensions.k8s.io") return "io.k8s.apiextensions-apiserver.pkg.apis.apiextensions";
  if (group === "apiregistration.k8s.io") return "io.k8s.kube-aggregator.pkg.apis.apiregistration";
  return `io.k8s.api.${group.split(".")[0] ?? group}`;
}

/** The definition name of a built-in kind (`io.k8s.api.apps.v1.Deployment`), or undefined when none is known. */
export function builtinDefinitionName(group: string, version: string, kind: string): string | undefined {
  const name = `${groupPrefix(group)}.${version}.${kind}`;
  return builtinOpenApi().definitions[name] ? name : undefined;
}

/** Resolves a `#/definitions/...` reference. */
export function resolveRef(ref: string): { name: string; schema: OpenApiSchema } | undefined {
  const name = ref.slice(ref.lastIndexOf("/") + 1);
  const schema = builtinOpenApi().definitions[name];
  return schema ? { name, schema } : undefined;
}

/** Definition names reachable from `root` (itself included), for documents that must be self-contained. */
export function reachableDefinitions(roots: string[]): Set<string> {
  const defs = builtinOpenApi().definitions;
  const seen = new Set<string>();
  const stack = [...roots];
  while (stack.length > 0) {
    const name = stack.pop()!;
    if (seen.has(name) || !defs[name]) continue;
    seen.add(name);
    const visit = (s: OpenApiSchema | undefined): void => {
      if (!s) return;
      if (s.$ref) stack.push(s.$ref.slice(s.$ref.lastIndexOf("/") + 1));
      visit(s.items);
      visit(s.additionalProperties);
      for (const p of Object.values(s.properties ?? {})) visit(p);
    };
    visit(defs[name]);
  }
  return seen;
}

/** A definition as a plain JSON object (for serving). */
export function definitionJson(name: string): JsonObject | undefined {
  return builtinOpenApi().definitions[name] as JsonObject | undefined;
}
