import { OBJECT_META } from "../schema/builtin-types.js";
import type { ListNode, MapNode, TypeNode } from "../schema/type-node.js";
import { isObject, type JsonObject } from "../util/json.js";

/** Builds the merge structure (list types, map keys, atomic maps) of a CRD's structural schema. */
export function schemaToTypeNode(schema: JsonObject | undefined, root = true): TypeNode {
  if (!schema) return { kind: "map" };
  const type = schema["type"];
  if (type === "array") {
    const listType = schema["x-kubernetes-list-type"];
    const node: ListNode = {
      kind: "list",
      listType: listType === "map" || listType === "set" ? listType : "atomic",
    };
    const keys = schema["x-kubernetes-list-map-keys"];
    if (Array.isArray(keys)) node.keys = keys.map(String);
    if (isObject(schema["items"])) node.item = schemaToTypeNode(schema["items"], false);
    return node;
  }
  if (type === "object" || isObject(schema["properties"]) || isObject(schema["additionalProperties"])) {
    const node: MapNode = { kind: "map" };
    if (schema["x-kubernetes-map-type"] === "atomic") node.atomic = true;
    const props = schema["properties"];
    if (isObject(props)) {
      node.fields = {};
      for (const [k, v] of Object.entries(props)) if (isObject(v)) node.fields[k] = schemaToTypeNode(v, false);
    }
    if (isObject(schema["additionalProperties"]))
      node.additional = schemaToTypeNode(schema["additionalProperties"], false);
    if (root) node.fields = { ...(node.fields ?? {}), metadata: OBJECT_META };
    return node;
  }
  if (type === undefined && !root) return { kind: "map" };
  return root ? { kind: "map", fields: { metadata: OBJECT_META } } : { kind: "scalar" };
}
