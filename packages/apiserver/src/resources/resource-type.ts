import type { JsonObject } from "../util/json.js";

/** The verbs a collection of objects supports. */
export const STANDARD_VERBS = [
  "create",
  "delete",
  "deletecollection",
  "get",
  "list",
  "patch",
  "update",
  "watch",
] as const;

/** Paths of the scale subresource (CRD `subresources.scale`, or built-in workloads). */
export interface ScaleSubresource {
  specReplicasPath: string;
  statusReplicasPath: string;
  labelSelectorPath?: string;
}

/** A column of table output (`kubectl get`). */
export interface PrinterColumn {
  name: string;
  type: string;
  format?: string;
  description?: string;
  priority?: number;
  /** JSONPath for CRD columns; built-in columns use `cell` instead. */
  jsonPath?: string;
  /** Computes the cell for a built-in column. */
  cell?: (obj: JsonObject, now: number) => string | number | boolean | null;
}

/** How `metadata.generation` moves for a resource. */
export type GenerationPolicy = "spec" | "none";

/** One served group/version/resource and everything the server needs to handle requests for it. */
export interface ResourceType {
  group: string;
  version: string;
  /** Every served version of this group/resource (shares storage). */
  servedVersions: string[];
  storageVersion: string;
  resource: string;
  singular: string;
  kind: string;
  listKind: string;
  namespaced: boolean;
  shortNames: string[];
  categories: string[];
  verbs: string[];
  hasStatus: boolean;
  scale?: ScaleSubresource;
  generation: GenerationPolicy;
  /** DELETE answers with the object rather than a Status (pods, namespaces, custom resources...). */
  returnDeletedObject: boolean;
  /** Field selectors accepted beyond metadata.name/metadata.namespace. */
  fieldSelectors: string[];
  /** Table columns after NAME (and before AGE when `ageColumn`). */
  columns: PrinterColumn[];
  /** Adds an AGE column at the end (built-in printers). CRD columns come complete. */
  ageColumn: boolean;
  /** Set for resources served from a CustomResourceDefinition (its name). */
  crdName?: string;
  /** Extra subresources without storage semantics (`namespaces/finalize`). */
  extraSubresources?: string[];
  /** Where objects live when another group stores them (events.k8s.io Events are stored as core/v1 Events). */
  storage?: { group: string; resource: string; version: string };
  /** A create-only review resource answered without storage (access reviews, self subject reviews). */
  review?: "access" | "self" | "token";
}

/** The key shared by all versions of a group/resource in storage: `apps/deployments`, `/configmaps`. */
export function storageKeyOf(rt: {
  group: string;
  resource: string;
  storage?: { group: string; resource: string };
}): string {
  const s = rt.storage ?? rt;
  return `${s.group}/${s.resource}`;
}

/** The apiVersion objects of a resource are stored in. */
export function storageApiVersionOf(rt: ResourceType): string {
  return rt.storage ? apiVersionOf(rt.storage) : apiVersionOf({ group: rt.group, version: rt.storageVersion });
}

/** `apps/v1` or `v1`. */
export function apiVersionOf(rt: { group: string; version: string }): string {
  return rt.group === "" ? rt.version : `${rt.group}/${rt.version}`;
}
