// The default ClusterRoles and ClusterRoleBindings kube-apiserver creates at start (the ones that matter for a
// local cluster): cluster-admin for system:masters, discovery and self reviews for every authenticated user,
// version and health for everyone, and the aggregated admin/edit/view user-facing roles.

import type { JsonObject } from "../util/json.js";

const WRITE = ["create", "delete", "deletecollection", "patch", "update"];
const READ = ["get", "list", "watch"];
const AGG = "rbac.authorization.k8s.io/aggregate-to-";

function rule(apiGroups: string[], resources: string[], verbs: string[]): JsonObject {
  return { apiGroups, resources, verbs };
}

function role(
  name: string,
  rules: JsonObject[],
  labels: Record<string, string> = {},
  aggregateFrom?: string,
): JsonObject {
  const obj: JsonObject = {
    apiVersion: "rbac.authorization.k8s.io/v1",
    kind: "ClusterRole",
    metadata: {
      name,
      labels: { "kubernetes.io/bootstrapping": "rbac-defaults", ...labels },
      annotations: { "rbac.authorization.kubernetes.io/autoupdate": "true" },
    },
    rules,
  };
  if (aggregateFrom !== undefined) {
    obj["aggregationRule"] = { clusterRoleSelectors: [{ matchLabels: { [`${AGG}${aggregateFrom}`]: "true" } }] };
  }
  return obj;
}

function binding(name: string, roleName: string, groups: string[]): JsonObject {
  return {
    apiVersion: "rbac.authorization.k8s.io/v1",
    kind: "ClusterRoleBinding",
    metadata: {
      name,
      labels: { "kubernetes.io/bootstrapping": "rbac-defaults" },
      annotations: { "rbac.authorization.kubernetes.io/autoupdate": "true" },
    },
    roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: roleName },
    subjects: groups.map((g) => ({ apiGroup: "rbac.authorization.k8s.io", kind: "Group", name: g })),
  };
}

const VIEW_RULES = [
  rule(
    [""],
    [
      "configmaps",
      "endpoints",
      "persistentvolumeclaims",
      "persistentvolumeclaims/status",
      "pods",
      "replicationcontrollers",
      "replicationcontrollers/scale",
      "serviceaccounts",
      "services",
      "services/status",
    ],
    READ,
  ),
  rule(
    [""],
    [
      "bindings",
      "events",
      "limitranges",
      "namespaces/status",
      "pods/log",
      "pods/status",
      "replicationcontrollers/status",
      "resourcequotas",
      "resourcequotas/status",
    ],
    READ,
  ),
  rule([""], ["namespaces"], READ),
  rule(["discovery.k8s.io"], ["endpointslices"], READ),
  rule(
    ["apps"],
    [
      "controllerrevisions",
      "daemonsets",
      "daemonsets/status",
      "deployments",
      "deployments/scale",
      "deployments/status",
      "replicasets",
      "replicasets/scale",
      "replicasets/status",
      "statefulsets",
      "statefulsets/scale",
      "statefulsets/status",
    ],
    READ,
  ),
  rule(["autoscaling"], ["horizontalpodautoscalers", "horizontalpodautoscalers/status"], READ),
  rule(["batch"], ["cronjobs", "cronjobs/status", "jobs", "jobs/status"], READ),
  rule(["policy"], ["poddisruptionbudgets", "poddisruptionbudgets/status"], READ),
  rule(["networking.k8s.io"], ["ingresses", "ingresses/status", "networkpolicies"], READ),
];

const EDIT_RULES = [
  rule([""], ["pods/attach", "pods/exec", "pods/portforward", "pods/proxy", "secrets", "services/proxy"], READ),
  rule([""], ["serviceaccounts"], ["impersonate"]),
  rule([""], ["pods", "pods/attach", "pods/exec", "pods/portforward", "pods/proxy"], WRITE),
  rule([""], ["pods/eviction"], ["create"]),
  rule(
    [""],
    [
      "configmaps",
      "events",
      "persistentvolumeclaims",
      "replicationcontrollers",
      "replicationcontrollers/scale",
      "secrets",
      "serviceaccounts",
      "services",
      "services/proxy",
    ],
    WRITE,
  ),
  rule([""], ["serviceaccounts/token"], ["create"]),
  rule(
    ["apps"],
    [
      "daemonsets",
      "deployments",
      "deployments/rollback",
      "deployments/scale",
      "replicasets",
      "replicasets/scale",
      "statefulsets",
      "statefulsets/scale",
    ],
    WRITE,
  ),
  rule(["autoscaling"], ["horizontalpodautoscalers"], WRITE),
  rule(["batch"], ["cronjobs", "jobs"], WRITE),
  rule(["networking.k8s.io"], ["ingresses", "networkpolicies"], WRITE),
  rule(["policy"], ["poddisruptionbudgets"], WRITE),
  rule(["discovery.k8s.io"], ["endpointslices"], WRITE),
];

const ADMIN_RULES = [
  rule(["authorization.k8s.io"], ["localsubjectaccessreviews"], ["create"]),
  rule(["rbac.authorization.k8s.io"], ["rolebindings", "roles"], [...WRITE, ...READ]),
];

const DISCOVERY_URLS = [
  "/api",
  "/api/*",
  "/apis",
  "/apis/*",
  "/healthz",
  "/livez",
  "/openapi",
  "/openapi/*",
  "/readyz",
  "/version",
  "/version/",
];
const PUBLIC_URLS = ["/healthz", "/livez", "/readyz", "/version", "/version/"];

/** The default ClusterRoles, then the default ClusterRoleBindings. */
export function bootstrapPolicy(): { clusterRoles: JsonObject[]; clusterRoleBindings: JsonObject[] } {
  return {
    clusterRoles: [
      role("cluster-admin", [
        { apiGroups: ["*"], resources: ["*"], verbs: ["*"] },
        { nonResourceURLs: ["*"], verbs: ["*"] },
      ]),
      role("admin", [], {}, "admin"),
      role("edit", [], { [`${AGG}admin`]: "true" }, "edit"),
      role("view", [], { [`${AGG}edit`]: "true" }, "view"),
      role("system:aggregate-to-admin", ADMIN_RULES, { [`${AGG}admin`]: "true" }),
      role("system:aggregate-to-edit", EDIT_RULES, { [`${AGG}edit`]: "true" }),
      role("system:aggregate-to-view", VIEW_RULES, { [`${AGG}view`]: "true" }),
      role("system:discovery", [{ nonResourceURLs: DISCOVERY_URLS, verbs: ["get"] }]),
      role("system:public-info-viewer", [{ nonResourceURLs: PUBLIC_URLS, verbs: ["get"] }]),
      // Delegated authentication and authorization (kube's role of that name): TokenReviews and
      // SubjectAccessReviews, for servers such as the UI that check a user's token with this API server.
      role("system:auth-delegator", [
        rule(["authentication.k8s.io"], ["tokenreviews"], ["create"]),
        rule(["authorization.k8s.io"], ["subjectaccessreviews"], ["create"]),
      ]),
      role("system:basic-user", [
        rule(["authorization.k8s.io"], ["selfsubjectaccessreviews", "selfsubjectrulesreviews"], ["create"]),
        rule(["authentication.k8s.io"], ["selfsubjectreviews"], ["create"]),
      ]),
    ],
    clusterRoleBindings: [
      binding("cluster-admin", "cluster-admin", ["system:masters"]),
      binding("system:discovery", "system:discovery", ["system:authenticated"]),
      binding("system:basic-user", "system:basic-user", ["system:authenticated"]),
      binding("system:public-info-viewer", "system:public-info-viewer", [
        "system:authenticated",
        "system:unauthenticated",
      ]),
    ],
  };
}
