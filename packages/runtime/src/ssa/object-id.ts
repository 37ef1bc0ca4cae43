import { formatObjMetadata, type ObjMetadata } from "@sluice/api";
import type { ObjectRef, UnstructuredObject } from "../kube/object-ref.js";
import { parseApiVersion } from "../kube/object-ref.js";

/** Re-exported from @sluice/api: `{namespace, name, group, kind}`. */
export type { ObjMetadata } from "@sluice/api";

/** The identity of an object. */
export function objMetadataOf(obj: {
  apiVersion: string;
  kind: string;
  metadata: { name?: string; namespace?: string };
}): ObjMetadata {
  return {
    namespace: obj.metadata.namespace ?? "",
    name: obj.metadata.name ?? "",
    group: parseApiVersion(obj.apiVersion).group,
    kind: obj.kind,
  };
}

/**
 * The inventory id of an object, `<namespace>_<name>_<group>_<kind>` as cli-utils formats it (colons in RBAC
 * object names become `__`), e.g. `default_podinfo__Service`, `_flux-system__Namespace`.
 */
export function formatObjectId(meta: ObjMetadata): string {
  return formatObjMetadata(meta);
}

/** The inventory id of an object (see {@link formatObjectId}). */
export function objectIdOf(obj: UnstructuredObject): string {
  return formatObjectId(objMetadataOf(obj));
}

/** `Kind/namespace/name` or `Kind/name`: how change sets, errors and events name an object. */
export function formatSubject(meta: ObjMetadata): string {
  return meta.namespace ? `${meta.kind}/${meta.namespace}/${meta.name}` : `${meta.kind}/${meta.name}`;
}

/** The `Kind/namespace/name` subject of an object. */
export function subjectOf(obj: {
  apiVersion: string;
  kind: string;
  metadata: { name?: string; namespace?: string };
}): string {
  return formatSubject(objMetadataOf(obj));
}

/** An {@link ObjectRef} for an object identity and API version. */
export function refFor(meta: ObjMetadata, version: string): ObjectRef {
  return {
    apiVersion: meta.group ? `${meta.group}/${version}` : version,
    kind: meta.kind,
    name: meta.name,
    ...(meta.namespace ? { namespace: meta.namespace } : {}),
  };
}
