import { badRequest } from "../errors.js";
import type { PrinterColumn, ResourceType } from "../resources/resource-type.js";
import { ageOf } from "../util/human-duration.js";
import { isObject, type JsonObject, type JsonValue } from "../util/json.js";
import { evaluateJsonPath } from "../util/json-path.js";
import type { KubeObject } from "../util/meta.js";

/** `includeObject` of TableOptions. */
export type IncludeObject = "None" | "Metadata" | "Object";

/** Parses the includeObject query parameter (default Metadata). */
export function parseIncludeObject(v: string | null): IncludeObject {
  if (v === null || v === "" || v === "Metadata") return "Metadata";
  if (v === "None" || v === "Object") return v;
  throw badRequest(`unrecognized includeObject value: "${v}"`);
}

const NAME_COLUMN: JsonObject = {
  name: "Name",
  type: "string",
  format: "name",
  description:
    "Name must be unique within a namespace. Is required when creating resources, although some resources may allow a client to request the generation of an appropriate name automatically. Name is primarily intended for creation idempotence and configuration definition. Cannot be updated. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/names#names",
  priority: 0,
};

const AGE_COLUMN: PrinterColumn = {
  name: "Age",
  type: "string",
  description:
    "CreationTimestamp is a timestamp representing the server time when this object was created. It is not guaranteed to be set in happens-before order across separate operations. Clients may not set this value. It is represented in RFC3339 form and is in UTC.\n\nPopulated by the system. Read-only. Null for lists. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata",
  priority: 0,
  cell: (o, now) => ageOf(isObject(o["metadata"]) ? o["metadata"]["creationTimestamp"] : undefined, now),
};

function columnsOf(rt: ResourceType): PrinterColumn[] {
  return rt.ageColumn ? [...rt.columns, AGE_COLUMN] : rt.columns;
}

function definition(c: PrinterColumn): JsonObject {
  const d: JsonObject = {
    name: c.name,
    type: c.type,
    format: c.format ?? "",
    description: c.description ?? "",
    priority: c.priority ?? 0,
  };
  return d;
}

function cellValue(c: PrinterColumn, obj: KubeObject, now: number): JsonValue {
  if (c.cell) return c.cell(obj, now);
  if (!c.jsonPath) return null;
  let results: JsonValue[];
  try {
    results = evaluateJsonPath(c.jsonPath, obj);
  } catch {
    return null;
  }
  const v = results[0];
  if (v === undefined || v === null) return null;
  switch (c.type) {
    case "date":
      return typeof v === "string" ? ageOf(v, now) : null;
    case "integer":
      return typeof v === "number" ? Math.trunc(v) : null;
    case "number":
      return typeof v === "number" ? v : null;
    case "boolean":
      return typeof v === "boolean" ? v : null;
    case "string":
      return typeof v === "string" ? v : JSON.stringify(v);
    default:
      return v;
  }
}

function partialMetadata(obj: KubeObject, version: string): JsonObject {
  return { kind: "PartialObjectMetadata", apiVersion: `meta.k8s.io/${version}`, metadata: obj.metadata };
}

/** Converts objects to a meta.k8s.io Table with the resource's columns (NAME first). */
export function toTable(
  rt: ResourceType,
  objects: KubeObject[],
  opts: { version: string; includeObject: IncludeObject; noHeaders?: boolean; listMeta?: JsonObject },
): JsonObject {
  const now = Date.now();
  const cols = columnsOf(rt);
  const rows = objects.map((obj) => {
    const cells: JsonValue[] = [typeof obj.metadata["name"] === "string" ? obj.metadata["name"] : ""];
    for (const c of cols) cells.push(cellValue(c, obj, now));
    const row: JsonObject = { cells };
    if (opts.includeObject === "Object") row["object"] = obj;
    else if (opts.includeObject === "Metadata") row["object"] = partialMetadata(obj, opts.version);
    return row;
  });
  const table: JsonObject = { kind: "Table", apiVersion: `meta.k8s.io/${opts.version}`, metadata: opts.listMeta ?? {} };
  table["columnDefinitions"] = opts.noHeaders ? null : [NAME_COLUMN, ...cols.map(definition)];
  table["rows"] = rows;
  return table;
}

/** Converts one object to PartialObjectMetadata, or a list to PartialObjectMetadataList. */
export function toPartial(objects: KubeObject[] | KubeObject, version: string, listMeta?: JsonObject): JsonObject {
  if (!Array.isArray(objects)) return partialMetadata(objects, version);
  return {
    kind: "PartialObjectMetadataList",
    apiVersion: `meta.k8s.io/${version}`,
    metadata: listMeta ?? {},
    items: objects.map((o) => partialMetadata(o, version)),
  };
}
