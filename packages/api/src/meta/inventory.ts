import { type Static, Type } from "@sinclair/typebox";

// The inventory Kustomizations and HelmReleases keep in `status.inventory`: one entry per applied object,
// identified by the cli-utils ObjMetadata string `<namespace>_<name>_<group>_<kind>` plus the API version.

/** One applied object: its ObjMetadata id and the version of its API group. */
export const ResourceRefSchema = Type.Object(
  {
    id: Type.String({ description: "Object identity as '<namespace>_<name>_<group>_<kind>'." }),
    v: Type.String({ description: "Version of the object's API group, e.g. v1." }),
  },
  { description: "ResourceRef locates one applied object in the cluster." },
);
/** An inventory entry `{id, v}`. */
export type ResourceRef = Static<typeof ResourceRefSchema>;

/** `status.inventory`: the objects a Kustomization or HelmRelease has applied. */
export const ResourceInventorySchema = Type.Object(
  {
    entries: Type.Array(ResourceRefSchema, { description: "The applied objects." }),
  },
  { description: "ResourceInventory lists the objects applied by the reconciler." },
);
/** The inventory of applied objects. */
export type ResourceInventory = Static<typeof ResourceInventorySchema>;

/** The parts of an object that identify it across versions: namespace, name, API group and kind. */
export interface ObjMetadata {
  /** Empty for cluster-scoped objects. */
  namespace: string;
  name: string;
  /** Empty for the core group. */
  group: string;
  kind: string;
}

/** An object identity plus the version of its API group, as an inventory entry describes it. */
export interface InventoryObject extends ObjMetadata {
  version: string;
}

/** Error thrown when an inventory id cannot be parsed. */
export class InvalidObjMetadataError extends Error {
  constructor(
    readonly id: string,
    reason: string,
  ) {
    super(`invalid inventory id "${id}": ${reason}`);
    this.name = "InvalidObjMetadataError";
  }
}

const FIELD_SEPARATOR = "_";
const COLON_TRANSCODED = "__";
const RBAC_GROUP = "rbac.authorization.k8s.io";
const RBAC_KINDS = new Set(["Role", "ClusterRole", "RoleBinding", "ClusterRoleBinding"]);

/**
 * Formats an object identity as cli-utils does: `<namespace>_<name>_<group>_<kind>`. Colons in the
 * names of RBAC objects (`system:controller:foo`) are written as `__`, since `:` is not valid there.
 */
export function formatObjMetadata(obj: ObjMetadata): string {
  let name = obj.name;
  if (obj.group === RBAC_GROUP && RBAC_KINDS.has(obj.kind)) name = name.replaceAll(":", COLON_TRANSCODED);
  return [obj.namespace, name, obj.group, obj.kind].join(FIELD_SEPARATOR);
}

/**
 * Parses a cli-utils ObjMetadata id. The namespace is everything before the first `_`, the kind after
 * the last, the group before that; what remains is the name, in which `__` stands for `:`.
 * Throws {@link InvalidObjMetadataError} when a field is missing, the name or kind is empty, or the
 * name still contains `_`.
 */
export function parseObjMetadata(id: string): ObjMetadata {
  const first = id.indexOf(FIELD_SEPARATOR);
  if (first === -1) throw new InvalidObjMetadataError(id, "expected <namespace>_<name>_<group>_<kind>");
  const namespace = id.slice(0, first);
  let rest = id.slice(first + 1);
  const kindAt = rest.lastIndexOf(FIELD_SEPARATOR);
  if (kindAt === -1) throw new InvalidObjMetadataError(id, "expected <namespace>_<name>_<group>_<kind>");
  const kind = rest.slice(kindAt + 1);
  rest = rest.slice(0, kindAt);
  const groupAt = rest.lastIndexOf(FIELD_SEPARATOR);
  if (groupAt === -1) throw new InvalidObjMetadataError(id, "expected <namespace>_<name>_<group>_<kind>");
  const group = rest.slice(groupAt + 1);
  const name = rest.slice(0, groupAt).replaceAll(COLON_TRANSCODED, ":");
  if (name.includes(FIELD_SEPARATOR)) throw new InvalidObjMetadataError(id, "too many fields");
  if (name === "") throw new InvalidObjMetadataError(id, "empty name");
  if (kind === "") throw new InvalidObjMetadataError(id, "empty kind");
  return { namespace, name, group, kind };
}

/** Splits an apiVersion (`apps/v1`, `v1`) into its group (empty for core) and version. */
export function splitApiVersion(apiVersion: string): { group: string; version: string } {
  const slash = apiVersion.lastIndexOf("/");
  return slash === -1
    ? { group: "", version: apiVersion }
    : { group: apiVersion.slice(0, slash), version: apiVersion.slice(slash + 1) };
}

/** The inventory entry for an object given by apiVersion, kind, namespace and name. */
export function inventoryEntryFor(obj: {
  apiVersion: string;
  kind: string;
  metadata: { name?: string | undefined; namespace?: string | undefined };
}): ResourceRef {
  const { group, version } = splitApiVersion(obj.apiVersion);
  const id = formatObjMetadata({
    namespace: obj.metadata.namespace ?? "",
    name: obj.metadata.name ?? "",
    group,
    kind: obj.kind,
  });
  return { id, v: version };
}

/** Parses an inventory entry back into the object's identity and API version. */
export function parseInventoryEntry(entry: ResourceRef): InventoryObject & { apiVersion: string } {
  const meta = parseObjMetadata(entry.id);
  return { ...meta, version: entry.v, apiVersion: meta.group === "" ? entry.v : `${meta.group}/${entry.v}` };
}

/**
 * The entries of `previous` whose object is absent from `next` (compared by identity, ignoring the
 * version): what a prune must delete. Every id is parsed, so a corrupt inventory throws
 * {@link InvalidObjMetadataError} rather than leading to a wrong deletion.
 */
export function inventoryDiff(
  previous: ResourceInventory | undefined,
  next: ResourceInventory | undefined,
): ResourceRef[] {
  const keep = new Set((next?.entries ?? []).map((e) => formatObjMetadata(parseObjMetadata(e.id))));
  const out: ResourceRef[] = [];
  const seen = new Set<string>();
  for (const entry of previous?.entries ?? []) {
    const key = formatObjMetadata(parseObjMetadata(entry.id));
    if (keep.has(key) || seen.has(key)) continue;
    seen.add(key);
    out.push(entry);
  }
  return out;
}
