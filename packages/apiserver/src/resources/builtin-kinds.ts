import { isObject } from "../util/json.js";
import { BUILTIN_COLUMNS } from "./builtin-printers.js";
import { type PrinterColumn, type ResourceType, type ScaleSubresource, STANDARD_VERBS } from "./resource-type.js";

interface BuiltinSpec {
  group: string;
  versions: string[];
  resource: string;
  kind: string;
  namespaced?: boolean;
  shortNames?: string[];
  categories?: string[];
  verbs?: string[];
  status?: boolean;
  scale?: ScaleSubresource;
  generation?: "spec" | "none";
  returnDeletedObject?: boolean;
  fieldSelectors?: string[];
  extraSubresources?: string[];
  review?: "access" | "self" | "token";
  storage?: { group: string; resource: string; version: string };
}

const workloadScale: ScaleSubresource = {
  specReplicasPath: ".spec.replicas",
  statusReplicasPath: ".status.replicas",
  labelSelectorPath: ".status.selector",
};

const all = ["all"];

/** Kinds kube-apiserver prints with NAME and CREATED AT (the default table convertor or their own printer). */
const CREATED_AT_KINDS = new Set(["CustomResourceDefinition", "Role", "ClusterRole"]);

const CREATED_AT: PrinterColumn = {
  name: "Created At",
  type: "date",
  description: "CreationTimestamp is a timestamp representing the server time when this object was created.",
  priority: 0,
  cell: (o) => {
    const t = isObject(o["metadata"]) ? o["metadata"]["creationTimestamp"] : undefined;
    return typeof t === "string" ? t : null;
  },
};

/** The built-in resources the server serves at start (stored generically, none enforced beyond validation). */
const BUILTINS: BuiltinSpec[] = [
  {
    group: "",
    versions: ["v1"],
    resource: "namespaces",
    kind: "Namespace",
    namespaced: false,
    shortNames: ["ns"],
    verbs: ["create", "delete", "get", "list", "patch", "update", "watch"],
    status: true,
    returnDeletedObject: true,
    fieldSelectors: ["status.phase"],
    extraSubresources: ["finalize"],
  },
  { group: "", versions: ["v1"], resource: "configmaps", kind: "ConfigMap", shortNames: ["cm"] },
  { group: "", versions: ["v1"], resource: "secrets", kind: "Secret", fieldSelectors: ["type"] },
  {
    group: "",
    versions: ["v1"],
    resource: "services",
    kind: "Service",
    shortNames: ["svc"],
    categories: all,
    status: true,
    returnDeletedObject: true,
    fieldSelectors: ["spec.clusterIP", "spec.type"],
  },
  {
    group: "",
    versions: ["v1"],
    resource: "serviceaccounts",
    kind: "ServiceAccount",
    shortNames: ["sa"],
    extraSubresources: ["token"],
  },
  {
    group: "",
    versions: ["v1"],
    resource: "pods",
    kind: "Pod",
    shortNames: ["po"],
    extraSubresources: ["log"],
    categories: all,
    status: true,
    returnDeletedObject: true,
    fieldSelectors: [
      "spec.nodeName",
      "spec.restartPolicy",
      "spec.schedulerName",
      "spec.serviceAccountName",
      "spec.hostNetwork",
      "status.phase",
      "status.podIP",
      "status.nominatedNodeName",
    ],
  },
  {
    group: "",
    versions: ["v1"],
    resource: "events",
    kind: "Event",
    shortNames: ["ev"],
    fieldSelectors: [
      "involvedObject.kind",
      "involvedObject.namespace",
      "involvedObject.name",
      "involvedObject.uid",
      "involvedObject.apiVersion",
      "involvedObject.resourceVersion",
      "involvedObject.fieldPath",
      "reason",
      "reportingComponent",
      "source",
      "type",
    ],
  },
  {
    group: "",
    versions: ["v1"],
    resource: "persistentvolumeclaims",
    kind: "PersistentVolumeClaim",
    shortNames: ["pvc"],
    status: true,
  },
  { group: "", versions: ["v1"], resource: "endpoints", kind: "Endpoints", shortNames: ["ep"] },
  {
    group: "",
    versions: ["v1"],
    resource: "nodes",
    kind: "Node",
    namespaced: false,
    shortNames: ["no"],
    status: true,
    fieldSelectors: ["spec.unschedulable"],
  },
  {
    group: "",
    versions: ["v1"],
    resource: "persistentvolumes",
    kind: "PersistentVolume",
    namespaced: false,
    shortNames: ["pv"],
    status: true,
  },
  {
    group: "storage.k8s.io",
    versions: ["v1"],
    resource: "storageclasses",
    kind: "StorageClass",
    namespaced: false,
    shortNames: ["sc"],
  },
  {
    group: "scheduling.k8s.io",
    versions: ["v1"],
    resource: "priorityclasses",
    kind: "PriorityClass",
    namespaced: false,
    shortNames: ["pc"],
  },
  { group: "", versions: ["v1"], resource: "limitranges", kind: "LimitRange", shortNames: ["limits"] },
  {
    group: "",
    versions: ["v1"],
    resource: "resourcequotas",
    kind: "ResourceQuota",
    shortNames: ["quota"],
    status: true,
  },
  {
    group: "apps",
    versions: ["v1"],
    resource: "deployments",
    kind: "Deployment",
    shortNames: ["deploy"],
    categories: all,
    status: true,
    scale: workloadScale,
    generation: "spec",
  },
  {
    group: "apps",
    versions: ["v1"],
    resource: "statefulsets",
    kind: "StatefulSet",
    shortNames: ["sts"],
    categories: all,
    status: true,
    scale: workloadScale,
    generation: "spec",
  },
  {
    group: "apps",
    versions: ["v1"],
    resource: "daemonsets",
    kind: "DaemonSet",
    shortNames: ["ds"],
    categories: all,
    status: true,
    generation: "spec",
  },
  {
    group: "apps",
    versions: ["v1"],
    resource: "replicasets",
    kind: "ReplicaSet",
    shortNames: ["rs"],
    categories: all,
    status: true,
    scale: workloadScale,
    generation: "spec",
    fieldSelectors: ["status.replicas"],
  },
  { group: "apps", versions: ["v1"], resource: "controllerrevisions", kind: "ControllerRevision" },
  {
    group: "batch",
    versions: ["v1"],
    resource: "jobs",
    kind: "Job",
    categories: all,
    status: true,
    generation: "spec",
    fieldSelectors: ["status.successful"],
  },
  {
    group: "batch",
    versions: ["v1"],
    resource: "cronjobs",
    kind: "CronJob",
    shortNames: ["cj"],
    categories: all,
    status: true,
    generation: "spec",
  },
  {
    group: "networking.k8s.io",
    versions: ["v1"],
    resource: "ingresses",
    kind: "Ingress",
    shortNames: ["ing"],
    status: true,
    generation: "spec",
  },
  { group: "networking.k8s.io", versions: ["v1"], resource: "ingressclasses", kind: "IngressClass", namespaced: false },
  {
    group: "networking.k8s.io",
    versions: ["v1"],
    resource: "networkpolicies",
    kind: "NetworkPolicy",
    shortNames: ["netpol"],
    generation: "spec",
  },
  { group: "rbac.authorization.k8s.io", versions: ["v1"], resource: "roles", kind: "Role" },
  { group: "rbac.authorization.k8s.io", versions: ["v1"], resource: "rolebindings", kind: "RoleBinding" },
  {
    group: "rbac.authorization.k8s.io",
    versions: ["v1"],
    resource: "clusterroles",
    kind: "ClusterRole",
    namespaced: false,
  },
  {
    group: "rbac.authorization.k8s.io",
    versions: ["v1"],
    resource: "clusterrolebindings",
    kind: "ClusterRoleBinding",
    namespaced: false,
  },
  { group: "coordination.k8s.io", versions: ["v1"], resource: "leases", kind: "Lease" },
  {
    group: "events.k8s.io",
    versions: ["v1"],
    resource: "events",
    kind: "Event",
    shortNames: ["ev"],
    fieldSelectors: [
      "reason",
      "reportingController",
      "type",
      "regarding.kind",
      "regarding.name",
      "regarding.namespace",
    ],
    storage: { group: "", resource: "events", version: "v1" },
  },
  {
    group: "policy",
    versions: ["v1"],
    resource: "poddisruptionbudgets",
    kind: "PodDisruptionBudget",
    shortNames: ["pdb"],
    status: true,
    generation: "spec",
  },
  {
    group: "autoscaling",
    versions: ["v2", "v1"],
    resource: "horizontalpodautoscalers",
    kind: "HorizontalPodAutoscaler",
    shortNames: ["hpa"],
    categories: all,
    status: true,
    generation: "spec",
  },
  {
    group: "apiextensions.k8s.io",
    versions: ["v1"],
    resource: "customresourcedefinitions",
    kind: "CustomResourceDefinition",
    namespaced: false,
    shortNames: ["crd", "crds"],
    categories: ["api-extensions"],
    status: true,
    generation: "spec",
    returnDeletedObject: true,
  },
  {
    group: "admissionregistration.k8s.io",
    versions: ["v1"],
    resource: "mutatingwebhookconfigurations",
    kind: "MutatingWebhookConfiguration",
    namespaced: false,
    categories: ["api-extensions"],
    generation: "spec",
  },
  {
    group: "admissionregistration.k8s.io",
    versions: ["v1"],
    resource: "validatingwebhookconfigurations",
    kind: "ValidatingWebhookConfiguration",
    namespaced: false,
    categories: ["api-extensions"],
    generation: "spec",
  },
  {
    group: "admissionregistration.k8s.io",
    versions: ["v1"],
    resource: "validatingadmissionpolicies",
    kind: "ValidatingAdmissionPolicy",
    namespaced: false,
    categories: ["api-extensions"],
    status: true,
    generation: "spec",
  },
  {
    group: "admissionregistration.k8s.io",
    versions: ["v1"],
    resource: "validatingadmissionpolicybindings",
    kind: "ValidatingAdmissionPolicyBinding",
    namespaced: false,
    categories: ["api-extensions"],
    generation: "spec",
  },
  {
    group: "authorization.k8s.io",
    versions: ["v1"],
    resource: "selfsubjectaccessreviews",
    kind: "SelfSubjectAccessReview",
    namespaced: false,
    verbs: ["create"],
    review: "access",
  },
  {
    group: "authorization.k8s.io",
    versions: ["v1"],
    resource: "selfsubjectrulesreviews",
    kind: "SelfSubjectRulesReview",
    namespaced: false,
    verbs: ["create"],
    review: "access",
  },
  {
    group: "authorization.k8s.io",
    versions: ["v1"],
    resource: "subjectaccessreviews",
    kind: "SubjectAccessReview",
    namespaced: false,
    verbs: ["create"],
    review: "access",
  },
  {
    group: "authentication.k8s.io",
    versions: ["v1"],
    resource: "selfsubjectreviews",
    kind: "SelfSubjectReview",
    namespaced: false,
    verbs: ["create"],
    review: "self",
  },
  {
    group: "authentication.k8s.io",
    versions: ["v1"],
    resource: "tokenreviews",
    kind: "TokenReview",
    namespaced: false,
    verbs: ["create"],
    review: "token",
  },
];

/** Builds the ResourceType entries (one per served version) for every built-in resource. */
export function builtinResourceTypes(): ResourceType[] {
  const out: ResourceType[] = [];
  for (const b of BUILTINS) {
    for (const version of b.versions) {
      const rt: ResourceType = {
        group: b.group,
        version,
        servedVersions: [...b.versions],
        storageVersion: b.versions[0]!,
        resource: b.resource,
        singular: b.kind.toLowerCase(),
        kind: b.kind,
        listKind: `${b.kind}List`,
        namespaced: b.namespaced ?? true,
        shortNames: b.shortNames ?? [],
        categories: b.categories ?? [],
        verbs: b.verbs ?? [...STANDARD_VERBS],
        hasStatus: b.status ?? false,
        generation: b.generation ?? "none",
        returnDeletedObject: b.returnDeletedObject ?? false,
        fieldSelectors: b.fieldSelectors ?? [],
        columns: CREATED_AT_KINDS.has(b.kind) ? [CREATED_AT] : (BUILTIN_COLUMNS[b.kind] ?? []),
        ageColumn: !CREATED_AT_KINDS.has(b.kind),
      };
      if (b.scale) rt.scale = b.scale;
      if (b.extraSubresources) rt.extraSubresources = b.extraSubresources;
      if (b.review) rt.review = b.review;
      if (b.storage) rt.storage = b.storage;
      out.push(rt);
    }
  }
  return out;
}
