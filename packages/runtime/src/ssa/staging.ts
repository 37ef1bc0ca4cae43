import { parseApiVersion } from "../kube/object-ref.js";

type TypedObject = { apiVersion: string; kind: string; metadata: { name?: string; namespace?: string } };

/** A CustomResourceDefinition. */
export function isCrd(obj: TypedObject): boolean {
  return obj.kind === "CustomResourceDefinition" && obj.apiVersion.startsWith("apiextensions.k8s.io/");
}

/** A core Namespace. */
export function isNamespace(obj: TypedObject): boolean {
  return obj.kind === "Namespace" && obj.apiVersion === "v1";
}

/** An RBAC ClusterRole. */
export function isClusterRole(obj: TypedObject): boolean {
  return obj.kind === "ClusterRole" && obj.apiVersion.startsWith("rbac.authorization.k8s.io/");
}

/** Stage-one kinds: CRDs, Namespaces and ClusterRoles, which other objects may need to exist first. */
export function isClusterDefinition(obj: TypedObject): boolean {
  return isCrd(obj) || isNamespace(obj) || isClusterRole(obj);
}

/** Stage-two kinds: anything named `*Class` (StorageClass, IngressClass, GatewayClass, …). */
export function isClassDefinition(obj: TypedObject): boolean {
  return obj.kind.endsWith("Class");
}

/** A `group/Kind` (or `Kind` for core) key, as `--custom-apply-stage-kinds` lists them. */
export function groupKindKey(obj: { apiVersion: string; kind: string }): string {
  const { group } = parseApiVersion(obj.apiVersion);
  return group ? `${group}/${obj.kind}` : obj.kind;
}

/** Objects split into the apply stages, each sorted in reconcile order. */
export interface ApplyStages<T> {
  /** ① CRDs, Namespaces, ClusterRoles: applied, then waited for. */
  definitions: T[];
  /** ② `*Class` kinds: applied, then waited for. */
  classes: T[];
  /** ③ kinds named in `customStageKinds`: applied, not waited for. */
  custom: T[];
  /** ④ everything else. */
  resources: T[];
}

/** Splits objects into apply stages as Flux's `ApplyAllStaged` does. `customStageKinds` holds `group/Kind` keys. */
export function stageObjects<T extends TypedObject>(
  objects: readonly T[],
  customStageKinds: ReadonlySet<string> = new Set(),
): ApplyStages<T> {
  const stages: ApplyStages<T> = { definitions: [], classes: [], custom: [], resources: [] };
  for (const obj of objects) {
    if (isClusterDefinition(obj)) stages.definitions.push(obj);
    else if (isClassDefinition(obj)) stages.classes.push(obj);
    else if (customStageKinds.has(groupKindKey(obj))) stages.custom.push(obj);
    else stages.resources.push(obj);
  }
  stages.definitions = sortObjects(stages.definitions);
  stages.classes = sortObjects(stages.classes);
  stages.custom = sortObjects(stages.custom);
  stages.resources = sortObjects(stages.resources);
  return stages;
}

/** Kinds applied first, in this order (Flux `ReconcileOrder.First`). */
export const applyFirst: readonly string[] = [
  "CustomResourceDefinition",
  "Namespace",
  "ClusterRole",
  "ClusterClass",
  "RuntimeClass",
  "PriorityClass",
  "StorageClass",
  "VolumeSnapshotClass",
  "IngressClass",
  "GatewayClass",
  "ClusterRoleBinding",
  "ResourceQuota",
  "ServiceAccount",
  "Role",
  "RoleBinding",
  "ConfigMap",
  "Secret",
  "Service",
  "LimitRange",
  "Deployment",
  "StatefulSet",
  "CronJob",
  "PodDisruptionBudget",
];

/** Kinds applied last (Flux `ReconcileOrder.Last`): webhooks, so they cannot block the rest of the set. */
export const applyLast: readonly string[] = ["MutatingWebhookConfiguration", "ValidatingWebhookConfiguration"];

const kindRank = new Map<string, number>([
  ...applyFirst.map((kind, i) => [kind, i - applyFirst.length] as [string, number]),
  ...applyLast.map((kind, i) => [kind, i + 1] as [string, number]),
]);

/** Compares objects in apply order: kind rank, then group, kind, namespace, name. */
export function compareApplyOrder(a: TypedObject, b: TypedObject): number {
  const ga = parseApiVersion(a.apiVersion).group;
  const gb = parseApiVersion(b.apiVersion).group;
  if (ga !== gb || a.kind !== b.kind) {
    const ra = kindRank.get(a.kind) ?? 0;
    const rb = kindRank.get(b.kind) ?? 0;
    if (ra !== rb) return ra - rb;
    if (ga !== gb) return ga < gb ? -1 : 1;
    return a.kind < b.kind ? -1 : 1;
  }
  const na = a.metadata.namespace ?? "";
  const nb = b.metadata.namespace ?? "";
  if (na !== nb) return na < nb ? -1 : 1;
  const ma = a.metadata.name ?? "";
  const mb = b.metadata.name ?? "";
  return ma < mb ? -1 : ma > mb ? 1 : 0;
}

/** A sorted copy in apply order (deletion uses the reverse). */
export function sortObjects<T extends TypedObject>(objects: readonly T[]): T[] {
  return [...objects].sort(compareApplyOrder);
}
