import {
  atomicList,
  type ListNode,
  listMap,
  listSet,
  type MapNode,
  stringMap,
  struct,
  type TypeNode,
} from "./type-node.js";

/** metadata of every object. */
export const OBJECT_META: MapNode = struct({
  labels: stringMap(),
  annotations: stringMap(),
  finalizers: listSet(),
  ownerReferences: listMap(["uid"]),
  managedFields: atomicList(),
});

const labelSelector = struct({ matchLabels: stringMap(), matchExpressions: atomicList() }, { atomic: true });

const conditions: ListNode = listMap(["type"]);

const resources = struct({ limits: stringMap(), requests: stringMap(), claims: listMap(["name"]) });

const container: MapNode = struct({
  command: atomicList(),
  args: atomicList(),
  ports: listMap(["containerPort", "protocol"], undefined, { mergeKey: "containerPort" }),
  env: listMap(["name"]),
  envFrom: atomicList(),
  volumeMounts: listMap(["mountPath"]),
  volumeDevices: listMap(["devicePath"]),
  resources,
  resizePolicy: atomicList(),
});

const volume: MapNode = struct({}, { retainKeys: true });

const podSpec: MapNode = struct({
  containers: listMap(["name"], container),
  initContainers: listMap(["name"], container),
  ephemeralContainers: listMap(["name"], container),
  volumes: listMap(["name"], volume, { patchStrategy: "merge,retainKeys" }),
  imagePullSecrets: listMap(["name"]),
  tolerations: atomicList(),
  hostAliases: listMap(["ip"]),
  topologySpreadConstraints: listMap(["topologyKey", "whenUnsatisfiable"], undefined, { mergeKey: "topologyKey" }),
  readinessGates: atomicList(),
  resourceClaims: listMap(["name"], undefined, { patchStrategy: "merge,retainKeys" }),
  schedulingGates: listMap(["name"]),
  nodeSelector: stringMap(),
});

const podTemplate = struct({ metadata: OBJECT_META, spec: podSpec });

const workloadSpec = (extra: Record<string, TypeNode> = {}): MapNode =>
  struct({ selector: labelSelector, template: podTemplate, ...extra });

const workloadStatus = struct({ conditions });

const jobSpec = struct({ selector: labelSelector, template: podTemplate });

const withMeta = (fields: Record<string, TypeNode>): MapNode => struct({ metadata: OBJECT_META, ...fields });

/** Structure of built-in kinds keyed by `group/Kind` (core group: `/Kind`). */
export const BUILTIN_TYPES: Record<string, MapNode> = {
  "/Pod": withMeta({ spec: podSpec, status: struct({ conditions, containerStatuses: listMap(["name"]) }) }),
  "/Service": withMeta({
    spec: struct({
      ports: listMap(["port", "protocol"], undefined, { mergeKey: "port" }),
      selector: { ...stringMap(), atomic: true },
      externalIPs: atomicList(),
      ipFamilies: atomicList(),
      clusterIPs: atomicList(),
      loadBalancerSourceRanges: atomicList(),
    }),
    status: struct({ conditions }),
  }),
  "/ConfigMap": withMeta({ data: stringMap(), binaryData: stringMap() }),
  "/Secret": withMeta({ data: stringMap(), stringData: stringMap() }),
  "/ServiceAccount": withMeta({ secrets: listMap(["name"]), imagePullSecrets: atomicList() }),
  "/Namespace": withMeta({ spec: struct({ finalizers: atomicList() }), status: struct({ conditions }) }),
  "/PersistentVolumeClaim": withMeta({
    spec: struct({ accessModes: atomicList(), selector: labelSelector }),
    status: struct({ conditions, accessModes: atomicList() }),
  }),
  "/Endpoints": withMeta({ subsets: atomicList() }),
  "apps/Deployment": withMeta({
    spec: workloadSpec({ strategy: struct({}, { retainKeys: true }) }),
    status: workloadStatus,
  }),
  "apps/StatefulSet": withMeta({
    spec: workloadSpec({ volumeClaimTemplates: atomicList() }),
    status: workloadStatus,
  }),
  "apps/DaemonSet": withMeta({ spec: workloadSpec(), status: workloadStatus }),
  "apps/ReplicaSet": withMeta({ spec: workloadSpec(), status: workloadStatus }),
  "batch/Job": withMeta({ spec: jobSpec, status: struct({ conditions }) }),
  "batch/CronJob": withMeta({
    spec: struct({ jobTemplate: struct({ metadata: OBJECT_META, spec: jobSpec }) }),
    status: struct({ active: atomicList() }),
  }),
  "networking.k8s.io/Ingress": withMeta({ spec: struct({ rules: atomicList(), tls: atomicList() }) }),
  "networking.k8s.io/NetworkPolicy": withMeta({
    spec: struct({
      podSelector: labelSelector,
      ingress: atomicList(),
      egress: atomicList(),
      policyTypes: atomicList(),
    }),
  }),
  "rbac.authorization.k8s.io/Role": withMeta({ rules: atomicList() }),
  "rbac.authorization.k8s.io/ClusterRole": withMeta({ rules: atomicList(), aggregationRule: struct({}) }),
  "rbac.authorization.k8s.io/RoleBinding": withMeta({ subjects: atomicList(), roleRef: struct({}, { atomic: true }) }),
  "rbac.authorization.k8s.io/ClusterRoleBinding": withMeta({
    subjects: atomicList(),
    roleRef: struct({}, { atomic: true }),
  }),
  "policy/PodDisruptionBudget": withMeta({ spec: struct({ selector: labelSelector }), status: struct({ conditions }) }),
  "autoscaling/HorizontalPodAutoscaler": withMeta({
    spec: struct({ metrics: atomicList() }),
    status: struct({ conditions, currentMetrics: atomicList() }),
  }),
  "apiextensions.k8s.io/CustomResourceDefinition": withMeta({
    spec: struct({ versions: atomicList() }),
    status: struct({ conditions, storedVersions: atomicList() }),
  }),
};

/** The structure of a built-in kind, or a schemaless one with standard metadata. */
export function builtinTypeOf(group: string, kind: string): MapNode {
  return BUILTIN_TYPES[`${group}/${kind}`] ?? withMeta({});
}
