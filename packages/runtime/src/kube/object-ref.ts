import type { ObjectMeta } from "@sluice/api";

/** Any Kubernetes object as read from the API: identity and metadata; the rest is kind-specific. */
export interface ApiObject {
  apiVersion: string;
  kind: string;
  metadata: ObjectMeta;
}

/** An object whose shape we do not know beyond {@link ApiObject}. */
export type UnstructuredObject = ApiObject & Record<string, unknown>;

/** A group/version/kind. `group` is `""` for the core API. */
export interface GroupVersionKind {
  group: string;
  version: string;
  kind: string;
}

/** Names one object: its apiVersion and kind, namespace (absent for cluster-scoped kinds) and name. */
export interface ObjectRef {
  apiVersion: string;
  kind: string;
  namespace?: string;
  name: string;
}

/** The namespace and name of one object, without its kind. */
export interface NamespacedName {
  namespace?: string | undefined;
  name: string;
}

/** Splits `apps/v1` into `{ group: "apps", version: "v1" }` and `v1` into `{ group: "", version: "v1" }`. */
export function parseApiVersion(apiVersion: string): { group: string; version: string } {
  const slash = apiVersion.indexOf("/");
  if (slash < 0) return { group: "", version: apiVersion };
  return { group: apiVersion.slice(0, slash), version: apiVersion.slice(slash + 1) };
}

/** Joins a group and version into an apiVersion (`v1` for the core group). */
export function formatApiVersion(group: string, version: string): string {
  return group === "" ? version : `${group}/${version}`;
}

/** The group/version/kind of an object or reference. */
export function gvkOf(obj: { apiVersion: string; kind: string }): GroupVersionKind {
  return { ...parseApiVersion(obj.apiVersion), kind: obj.kind };
}

/** `Kind.group` (or just `Kind` for the core group): a stable text name of a kind across versions. */
export function groupKindString(gvk: { group: string; kind: string }): string {
  return gvk.group === "" ? gvk.kind : `${gvk.kind}.${gvk.group}`;
}

/**
 * The cache/work-queue key of an object: `namespace/name`, or `name` for cluster-scoped objects.
 * Accepts an object (its metadata) or a {@link NamespacedName}.
 */
export function objectKey(obj: NamespacedName | { metadata: ObjectMeta }): string {
  const { namespace, name } = "metadata" in obj ? { namespace: obj.metadata.namespace, name: obj.metadata.name } : obj;
  if (!name) throw new TypeError("objectKey: the object has no name");
  return namespace ? `${namespace}/${name}` : name;
}

/** The inverse of {@link objectKey}: `ns/name` → `{ namespace: "ns", name: "name" }`, `name` → `{ name }`. */
export function parseObjectKey(key: string): NamespacedName {
  const slash = key.indexOf("/");
  if (slash < 0) return { name: key };
  return { namespace: key.slice(0, slash), name: key.slice(slash + 1) };
}

/** The {@link ObjectRef} of an object read from the API. */
export function refOf(obj: ApiObject): ObjectRef {
  const name = obj.metadata.name;
  if (!name) throw new TypeError(`refOf: ${obj.kind} has no metadata.name`);
  return {
    apiVersion: obj.apiVersion,
    kind: obj.kind,
    name,
    ...(obj.metadata.namespace ? { namespace: obj.metadata.namespace } : {}),
  };
}

/** `Kind/namespace/name` (or `Kind/name`): how logs, events and error messages name an object. */
export function describeRef(ref: ObjectRef | ApiObject): string {
  const r = "metadata" in ref ? refOf(ref) : ref;
  return r.namespace ? `${r.kind}/${r.namespace}/${r.name}` : `${r.kind}/${r.name}`;
}
