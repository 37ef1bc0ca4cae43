import { systemContext } from "./api/request-context.js";
import type { ResourceService } from "./api/resource-service.js";
import { bootstrapPolicy } from "./authz/bootstrap-policy.js";
import type { ResourceRegistry } from "./resources/registry.js";
import { kubeTime } from "./util/meta.js";

/** Namespaces every cluster has from the start. */
export const SYSTEM_NAMESPACES = ["default", "kube-system", "kube-public", "kube-node-lease"] as const;

/** The one Node the server reports (simulated workloads "run" there). */
export const NODE_NAME = "sluice-control-plane";

function arch(): string {
  return process.arch === "x64" ? "amd64" : process.arch;
}

/** Creates the system namespaces and the Node when they do not exist yet (also after a restart). */
export function bootstrapObjects(registry: ResourceRegistry, service: ResourceService): void {
  const ctx = systemContext("kube-apiserver");
  const namespaces = registry.get("", "v1", "namespaces")!;
  for (const name of SYSTEM_NAMESPACES) {
    if (!service.find(namespaces, "", name)) {
      service.create(namespaces, "", { apiVersion: "v1", kind: "Namespace", metadata: { name } }, ctx);
    }
  }
  const nodes = registry.get("", "v1", "nodes")!;
  if (service.find(nodes, "", NODE_NAME)) return;
  const now = kubeTime();
  const resources = { cpu: "2", memory: "8Gi", pods: "110", "ephemeral-storage": "100Gi" };
  const node = {
    apiVersion: "v1",
    kind: "Node",
    metadata: {
      name: NODE_NAME,
      labels: {
        "kubernetes.io/hostname": NODE_NAME,
        "kubernetes.io/os": "linux",
        "kubernetes.io/arch": arch(),
        "node-role.kubernetes.io/control-plane": "",
      },
    },
    spec: {},
    status: {
      capacity: resources,
      allocatable: resources,
      addresses: [
        { type: "InternalIP", address: "127.0.0.1" },
        { type: "Hostname", address: NODE_NAME },
      ],
      conditions: [
        {
          type: "Ready",
          status: "True",
          reason: "KubeletReady",
          message: "kubelet is posting ready status",
          lastHeartbeatTime: now,
          lastTransitionTime: now,
        },
      ],
      nodeInfo: {
        kubeletVersion: "v1.33.0",
        kubeProxyVersion: "",
        containerRuntimeVersion: "sluice://simulated",
        operatingSystem: "linux",
        architecture: arch(),
        osImage: "sluice",
        kernelVersion: "",
        machineID: "",
        systemUUID: "",
        bootID: "",
      },
    },
  };
  service.create(nodes, "", node, ctx);
}

/** Creates kube's default ClusterRoles and ClusterRoleBindings that do not exist yet (also after a restart). */
export function bootstrapRbac(registry: ResourceRegistry, service: ResourceService): void {
  const ctx = systemContext("kube-apiserver");
  const policy = bootstrapPolicy();
  const roles = registry.get("rbac.authorization.k8s.io", "v1", "clusterroles")!;
  const bindings = registry.get("rbac.authorization.k8s.io", "v1", "clusterrolebindings")!;
  for (const [rt, list] of [
    [roles, policy.clusterRoles],
    [bindings, policy.clusterRoleBindings],
  ] as const) {
    for (const obj of list) {
      const name = String((obj["metadata"] as { name: string }).name);
      if (!service.find(rt, "", name)) service.create(rt, "", obj, ctx);
    }
  }
}
