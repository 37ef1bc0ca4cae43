/**
 * The structure the merge machinery needs to know about an object: which lists are merged by key (and by which
 * keys), which are sets, which are atomic, and which maps are atomic. Server-side apply (list-map keys) and
 * strategic merge patch (patch merge key and strategy) both read it. Paths not described behave as
 * Kubernetes does for schemaless data: maps are merged field by field, lists are atomic.
 */
export type TypeNode = MapNode | ListNode | ScalarNode;

/** An object (struct) or a map. */
export interface MapNode {
  kind: "map";
  /** Known fields. */
  fields?: Record<string, TypeNode>;
  /** The type of every other key (maps with uniform values, e.g. labels). */
  additional?: TypeNode;
  /** `x-kubernetes-map-type: atomic` (owned and replaced as a whole). */
  atomic?: boolean;
  /** Strategic merge patch `retainKeys` strategy (e.g. deployment strategy, volume sources). */
  retainKeys?: boolean;
}

/** A list with its merge semantics. */
export interface ListNode {
  kind: "list";
  /** `x-kubernetes-list-type`. */
  listType: "atomic" | "set" | "map";
  /** `x-kubernetes-list-map-keys` (listType map). */
  keys?: string[];
  /** Strategic merge patch merge key (defaults to the first list-map key). */
  mergeKey?: string;
  /** Strategic merge patch strategy for this list. */
  patchStrategy?: "merge" | "replace" | "merge,retainKeys";
  item?: TypeNode;
}

/** A scalar (string, number, boolean). */
export interface ScalarNode {
  kind: "scalar";
}

/** A map with no known structure (merged field by field, lists atomic). */
export const UNTYPED: MapNode = { kind: "map" };

/** Child type of a field in a map node (undefined when unknown). */
export function fieldType(node: TypeNode | undefined, field: string): TypeNode | undefined {
  if (node?.kind !== "map") return undefined;
  return node.fields?.[field] ?? node.additional;
}

/** The item type of a list node. */
export function itemType(node: TypeNode | undefined): TypeNode | undefined {
  return node && node.kind === "list" ? node.item : undefined;
}

/** Builds a struct node. */
export function struct(fields: Record<string, TypeNode>, extra: Partial<MapNode> = {}): MapNode {
  return { kind: "map", fields, ...extra };
}

/** Builds a list-map node merged by `keys` (strategic merge key defaults to the first key). */
export function listMap(keys: string[], item?: TypeNode, extra: Partial<ListNode> = {}): ListNode {
  const node: ListNode = { kind: "list", listType: "map", keys, mergeKey: keys[0]!, patchStrategy: "merge", ...extra };
  if (item) node.item = item;
  return node;
}

/** Builds a set of scalars (merged as a set by both SSA and strategic merge patch). */
export function listSet(): ListNode {
  return { kind: "list", listType: "set", patchStrategy: "merge", item: { kind: "scalar" } };
}

/** Builds an atomic list. */
export function atomicList(item?: TypeNode): ListNode {
  const node: ListNode = { kind: "list", listType: "atomic" };
  if (item) node.item = item;
  return node;
}

/** Builds a map of strings (labels, annotations, data). */
export function stringMap(): MapNode {
  return { kind: "map", additional: { kind: "scalar" } };
}
