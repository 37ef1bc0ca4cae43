import type { FieldError } from "../errors.js";
import { type OpenApiSchema, resolveRef } from "../schema/builtin-openapi.js";
import type { TypeNode } from "../schema/type-node.js";
import { fieldType, itemType } from "../schema/type-node.js";
import { isObject, type JsonValue } from "../util/json.js";
import { quantityValue } from "../util/quantity.js";

/**
 * What is wrong with one value against the built-in OpenAPI schema. `decode` is the text Go's JSON decoder (and the
 * custom decoders of Quantity, IntOrString, Time and []byte) gives for it, as kube-apiserver returns it for a
 * create, update or patch; `typed` is the text the structured-merge-diff type converter gives for a
 * server-side apply patch; `required` marks a missing required field (a 422 from validation, not a decode error).
 */
export interface SchemaIssue {
  /** kube field path: `spec.template.spec.containers[0].ports[0].containerPort`. */
  field: string;
  /** structured-merge-diff path: `.spec.template.spec.containers[name="web"].ports[containerPort=80,protocol="TCP"].containerPort`. */
  typedPath: string;
  decode?: string;
  typed?: string;
  required?: boolean;
}

const QUANTITY_FORMAT = /^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$/;
const QUANTITY_FORMAT_MSG =
  "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'";
const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/;
const BASE64 = /[A-Za-z0-9+/]/;

const INT_RANGE: Record<string, [number, number]> = {
  int32: [-(2 ** 31), 2 ** 31 - 1],
  int64: [Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER],
};

/** JSON type words Go's decoder uses in `cannot unmarshal <word> into …`. */
function jsonWord(v: JsonValue): string {
  if (typeof v === "string") return "string";
  if (typeof v === "number") return "number";
  if (typeof v === "boolean") return "bool";
  if (Array.isArray(v)) return "array";
  return "object";
}

/** Go's `%T` of a decoded unstructured value (structured-merge-diff numeric errors). */
function goTypeOfValue(v: JsonValue): string {
  if (typeof v === "string") return "string";
  if (typeof v === "number") return Number.isInteger(v) ? "int64" : "float64";
  if (typeof v === "boolean") return "bool";
  if (Array.isArray(v)) return "[]interface {}";
  return "map[string]interface {}";
}

/** Go's `%v` of a decoded unstructured value. */
function goPrint(v: JsonValue): string {
  if (v === null) return "<nil>";
  if (Array.isArray(v)) return `[${v.map(goPrint).join(" ")}]`;
  if (isObject(v)) {
    const keys = Object.keys(v).sort();
    return `map[${keys.map((k) => `${k}:${goPrint(v[k] ?? null)}`).join(" ")}]`;
  }
  return String(v);
}

/** Go's `%#v` of a decoded unstructured scalar. */
function goSyntax(v: JsonValue): string {
  if (typeof v === "string") return JSON.stringify(v);
  if (Array.isArray(v)) return `[]interface {}{${v.map(goSyntax).join(", ")}}`;
  if (isObject(v)) {
    const keys = Object.keys(v).sort();
    return `map[string]interface {}{${keys.map((k) => `${JSON.stringify(k)}:${goSyntax(v[k] ?? null)}`).join(", ")}}`;
  }
  return v === null ? "interface {}(nil)" : String(v);
}

/** The Go type name of a schema, as the decoder names the destination (`int32`, `[]v1.Container`). */
function goTypeName(s: OpenApiSchema): string {
  if (s.$ref) {
    const name = s.$ref.slice(s.$ref.lastIndexOf("/") + 1);
    if (name === "io.k8s.apimachinery.pkg.api.resource.Quantity") return "resource.Quantity";
    if (name === "io.k8s.apimachinery.pkg.util.intstr.IntOrString") return "intstr.IntOrString";
    const parts = name.split(".");
    return `${parts[parts.length - 2]}.${parts[parts.length - 1]}`;
  }
  switch (s.type) {
    case "array":
      return `[]${s.items ? goTypeName(s.items) : "interface {}"}`;
    case "object":
      if (s.additionalProperties) return `map[string]${goTypeName(s.additionalProperties)}`;
      return "runtime.RawExtension";
    case "integer":
      return s.format === "int64" ? "int64" : "int32";
    case "number":
      return "float64";
    case "boolean":
      return "bool";
    case "string":
      if (s.format === "byte") return "[]uint8";
      if (s.format === "date-time") return "v1.Time";
      return "string";
    default:
      return "interface {}";
  }
}

/** Index of the first byte Go's base64.StdEncoding refuses, or -1 when the text decodes. */
export function base64ErrorOffset(text: string): number {
  let n = 0;
  let padStart = -1;
  let quantumStart = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (c === "\n" || c === "\r") continue;
    if (c === "=") {
      if (padStart < 0) {
        // Padding may start only at the third or fourth character of a quantum.
        if (n % 4 < 2) return i;
        padStart = i;
      }
      n++;
      continue;
    }
    if (padStart >= 0 || !BASE64.test(c)) return padStart >= 0 ? padStart : i;
    if (n % 4 === 0) quantumStart = i;
    n++;
  }
  if (n % 4 !== 0) return n % 4 === 1 ? Math.max(0, text.length - 1) : quantumStart;
  return -1;
}

interface WalkContext {
  issues: SchemaIssue[];
  /** Stop at the first decode error (Go's decoder keeps only the first). */
  checkRequired: boolean;
}

/** Joins a kube field path. */
function child(path: string, name: string): string {
  return path === "" ? name : `${path}.${name}`;
}

function listItemPath(typed: string, item: JsonValue, index: number, node: TypeNode | undefined): string {
  if (node?.kind === "list" && node.listType === "map" && node.keys && isObject(item)) {
    // Key fields with a schema default (a port's protocol) take it, as structured-merge-diff does.
    const keyValue = (k: string) => item[k] ?? (k === "protocol" ? "TCP" : undefined);
    const keys = node.keys.filter((k) => keyValue(k) !== undefined);
    if (keys.length > 0) return `${typed}[${keys.map((k) => `${k}=${JSON.stringify(keyValue(k))}`).join(",")}]`;
  }
  return `${typed}[${index}]`;
}

/**
 * Walks a value against its schema. `goPath` is the dotted JSON path without indices Go puts in
 * `Go struct field <Struct>.<path>`; `struct` is the innermost Go struct being decoded.
 */
function walk(
  value: JsonValue,
  schema: OpenApiSchema,
  loc: { field: string; typed: string; goPath: string; struct: string; node: TypeNode | undefined; inStatus: boolean },
  ctx: WalkContext,
): void {
  if (value === null) return;
  const fail = (decodeValueWord: string, typed: string, decodeOverride?: string): void => {
    const into = loc.struct === "" ? "Go value" : `Go struct field ${loc.struct}.${loc.goPath}`;
    ctx.issues.push({
      field: loc.field,
      typedPath: loc.typed,
      decode: decodeOverride ?? `json: cannot unmarshal ${decodeValueWord} into ${into} of type ${goTypeName(schema)}`,
      typed,
    });
  };
  if (schema.$ref) {
    const ref = resolveRef(schema.$ref);
    if (!ref) return;
    const s = ref.schema;
    if (ref.name === "io.k8s.apimachinery.pkg.api.resource.Quantity") {
      if (typeof value === "number") return;
      if (typeof value !== "string") {
        fail(
          jsonWord(value),
          `expected string, got &value.valueUnstructured{Value:${goSyntax(value)}}`,
          QUANTITY_FORMAT_MSG,
        );
        return;
      }
      if (!QUANTITY_FORMAT.test(value)) fail("string", "", QUANTITY_FORMAT_MSG);
      else if (quantityValue(value) === undefined) fail("string", "", "unable to parse quantity's suffix");
      return;
    }
    if (ref.name === "io.k8s.apimachinery.pkg.util.intstr.IntOrString") {
      if (typeof value === "string") return;
      if (typeof value === "number" && Number.isInteger(value) && value >= -(2 ** 31) && value < 2 ** 31) return;
      const word = typeof value === "number" ? `number ${value}` : jsonWord(value);
      const typed =
        typeof value === "number" ? "" : `expected string, got &value.valueUnstructured{Value:${goSyntax(value)}}`;
      fail(word, typed, `json: cannot unmarshal ${word} into Go value of type int32`);
      return;
    }
    const structName = ref.name.slice(ref.name.lastIndexOf(".") + 1);
    if (s.type === "object" && s.properties) {
      if (!isObject(value)) {
        fail(jsonWord(value), `expected map, got &{${goPrint(value)}}`);
        return;
      }
      walkStruct(value, s, { ...loc, struct: structName, goPath: loc.goPath }, ctx);
      return;
    }
    walk(value, s, loc, ctx);
    return;
  }
  switch (schema.type) {
    case "array": {
      if (!Array.isArray(value)) {
        if (schema.format === undefined) fail(jsonWord(value), `expected list, got &{${goPrint(value)}}`);
        return;
      }
      const items = schema.items;
      if (!items) return;
      const itemNode = itemType(loc.node);
      value.forEach((item, i) => {
        walk(
          item,
          items,
          {
            field: `${loc.field}[${i}]`,
            typed: listItemPath(loc.typed, item, i, loc.node),
            goPath: loc.goPath,
            struct: loc.struct,
            node: itemNode,
            inStatus: loc.inStatus,
          },
          ctx,
        );
      });
      return;
    }
    case "object": {
      const values = schema.additionalProperties;
      if (!values) return; // preserved unknown fields (RawExtension, JSON)
      if (!isObject(value)) {
        fail(jsonWord(value), `expected map, got &{${goPrint(value)}}`);
        return;
      }
      for (const [k, v] of Object.entries(value)) {
        walk(
          v,
          values,
          {
            field: `${loc.field}[${k}]`,
            typed: `${loc.typed}.${k}`,
            goPath: loc.goPath,
            struct: loc.struct,
            node: fieldType(loc.node, k),
            inStatus: loc.inStatus,
          },
          ctx,
        );
      }
      return;
    }
    case "integer": {
      if (typeof value !== "number") {
        fail(jsonWord(value), `expected numeric (int or float), got ${goTypeOfValue(value)}`);
        return;
      }
      const [min, max] = INT_RANGE[schema.format ?? "int32"] ?? INT_RANGE["int32"]!;
      if (!Number.isInteger(value) || value < min || value > max) fail(`number ${value}`, "");
      return;
    }
    case "number":
      if (typeof value !== "number")
        fail(jsonWord(value), `expected numeric (int or float), got ${goTypeOfValue(value)}`);
      return;
    case "boolean":
      if (typeof value !== "boolean") fail(jsonWord(value), `expected boolean, got &{${goPrint(value)}}`);
      return;
    case "string": {
      if (typeof value !== "string") {
        if (schema.format === "byte" && Array.isArray(value)) return;
        fail(jsonWord(value), `expected string, got &value.valueUnstructured{Value:${goSyntax(value)}}`);
        return;
      }
      if (schema.format === "byte") {
        const at = base64ErrorOffset(value);
        if (at >= 0) fail("string", "", `illegal base64 data at input byte ${at}`);
      } else if (schema.format === "date-time" && !RFC3339.test(value)) {
        fail(
          "string",
          "",
          `parsing time ${JSON.stringify(value)} as "2006-01-02T15:04:05Z07:00": cannot parse ${JSON.stringify(value)} as "2006"`,
        );
      }
      return;
    }
    default:
      return;
  }
}

/** Fields whose absence Go validation does not report as `Required value` (zero values it checks itself). */
function requiredChecked(schema: OpenApiSchema | undefined): boolean {
  if (!schema) return false;
  if (schema.$ref) return !schema.$ref.endsWith(".IntOrString") && !schema.$ref.endsWith(".Quantity");
  return schema.type === "string" || schema.type === "array";
}

function walkStruct(
  obj: Record<string, JsonValue>,
  schema: OpenApiSchema,
  loc: { field: string; typed: string; goPath: string; struct: string; node: TypeNode | undefined; inStatus: boolean },
  ctx: WalkContext,
): void {
  const props = schema.properties ?? {};
  for (const [k, v] of Object.entries(obj)) {
    const ps = props[k];
    if (!ps) continue; // unknown fields are pruned (or refused by strict field validation) elsewhere
    const inStatus = loc.inStatus || (loc.field === "" && k === "status");
    walk(
      v,
      ps,
      {
        field: child(loc.field, k),
        typed: `${loc.typed}.${k}`,
        goPath: child(loc.goPath, k),
        struct: loc.struct,
        node: fieldType(loc.node, k),
        inStatus,
      },
      ctx,
    );
  }
  if (!ctx.checkRequired || loc.inStatus) return;
  for (const r of schema.required ?? []) {
    if (r === "metadata" || r === "apiVersion" || r === "kind") continue;
    if (obj[r] !== undefined && obj[r] !== null && obj[r] !== "") continue;
    if (!requiredChecked(props[r])) continue;
    ctx.issues.push({ field: child(loc.field, r), typedPath: `${loc.typed}.${r}`, required: true });
  }
}

/**
 * Checks an object of a built-in kind against its OpenAPI definition (`definition`): types, formats (int32/int64
 * ranges, base64 bytes, date-time, quantities, int-or-string) and required fields. Returns every issue, in
 * document order.
 */
export function checkBuiltinSchema(
  obj: Record<string, JsonValue>,
  definition: string,
  node: TypeNode | undefined,
  options: { checkRequired: boolean },
): SchemaIssue[] {
  const ctx: WalkContext = { issues: [], checkRequired: options.checkRequired };
  walk(
    obj,
    { $ref: `#/definitions/${definition}` },
    { field: "", typed: "", goPath: "", struct: "", node, inStatus: false },
    ctx,
  );
  return ctx.issues;
}

/** The first decode error, as Go's decoder reports it (it keeps the first and goes on). */
export function firstDecodeError(issues: SchemaIssue[]): string | undefined {
  return issues.find((i) => i.decode !== undefined)?.decode;
}

/** The structured-merge-diff text of the typed-conversion errors (`.spec.replicas: expected …`, or `errors:\n  …`). */
export function typedConversionError(issues: SchemaIssue[]): string | undefined {
  const lines = issues.filter((i) => i.typed !== undefined && i.typed !== "").map((i) => `${i.typedPath}: ${i.typed}`);
  if (lines.length === 0) return undefined;
  return lines.length === 1 ? lines[0] : `errors:\n  ${lines.join("\n  ")}`;
}

/** The 422 field errors of missing required fields. */
export function requiredFieldErrors(issues: SchemaIssue[]): FieldError[] {
  return issues
    .filter((i) => i.required)
    .map((i) => ({ type: "FieldValueRequired", field: i.field, detail: "", omitValue: true }) as FieldError);
}
