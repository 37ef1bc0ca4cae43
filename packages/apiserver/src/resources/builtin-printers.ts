import { ageOf } from "../util/human-duration.js";
import { getPath, isObject, type JsonObject, type JsonValue } from "../util/json.js";
import type { PrinterColumn } from "./resource-type.js";

function num(v: JsonValue | undefined): number {
  return typeof v === "number" ? v : 0;
}

function count(v: JsonValue | undefined): number {
  if (Array.isArray(v)) return v.length;
  if (isObject(v)) return Object.keys(v).length;
  return 0;
}

type Cell = NonNullable<PrinterColumn["cell"]>;

function col(name: string, cell: Cell, type = "string", priority = 0): PrinterColumn {
  return { name, type, priority, description: name, cell };
}

const dataColumn = col(
  "Data",
  (o) => count(o["data"]) + count(o["binaryData"]) + (o["stringData"] ? count(o["stringData"]) : 0),
  "integer",
);

function readyOf(o: JsonObject): string {
  return `${num(getPath(o, ["status", "readyReplicas"]))}/${num(getPath(o, ["spec", "replicas"]))}`;
}

function podStatus(o: JsonObject): string {
  if (isObject(o["metadata"]) && typeof o["metadata"]["deletionTimestamp"] === "string") return "Terminating";
  const reason = getPath(o, ["status", "reason"]);
  if (typeof reason === "string") return reason;
  const phase = getPath(o, ["status", "phase"]);
  return typeof phase === "string" ? phase : "Pending";
}

function podReady(o: JsonObject): string {
  const containers = getPath(o, ["spec", "containers"]);
  const statuses = getPath(o, ["status", "containerStatuses"]);
  const total = Array.isArray(containers) ? containers.length : 0;
  const ready = Array.isArray(statuses) ? statuses.filter((s) => isObject(s) && s["ready"] === true).length : 0;
  return `${ready}/${total}`;
}

function podRestarts(o: JsonObject): number {
  const statuses = getPath(o, ["status", "containerStatuses"]);
  if (!Array.isArray(statuses)) return 0;
  return statuses.reduce<number>((n, s) => n + (isObject(s) ? num(s["restartCount"]) : 0), 0);
}

function servicePorts(o: JsonObject): string {
  const ports = getPath(o, ["spec", "ports"]);
  if (!Array.isArray(ports) || ports.length === 0) return "<none>";
  return ports
    .filter(isObject)
    .map((p) => {
      const proto = typeof p["protocol"] === "string" ? p["protocol"] : "TCP";
      const node = typeof p["nodePort"] === "number" ? `:${p["nodePort"]}` : "";
      return `${num(p["port"])}${node}/${proto}`;
    })
    .join(",");
}

function externalIp(o: JsonObject): string {
  const type = getPath(o, ["spec", "type"]);
  const ips = getPath(o, ["spec", "externalIPs"]);
  const external = Array.isArray(ips) ? ips.filter((x): x is string => typeof x === "string") : [];
  if (type === "LoadBalancer") {
    const ingress = getPath(o, ["status", "loadBalancer", "ingress"]);
    const lb = Array.isArray(ingress)
      ? ingress.filter(isObject).map((i) => String(i["ip"] ?? i["hostname"] ?? ""))
      : [];
    const all = [...lb, ...external].filter((s) => s !== "");
    return all.length > 0 ? all.join(",") : "<pending>";
  }
  if (type === "ExternalName") {
    const name = getPath(o, ["spec", "externalName"]);
    return typeof name === "string" ? name : "<none>";
  }
  return external.length > 0 ? external.join(",") : "<none>";
}

function jobStatus(o: JsonObject): string {
  const conditions = getPath(o, ["status", "conditions"]);
  if (Array.isArray(conditions)) {
    for (const c of conditions) {
      if (!isObject(c) || c["status"] !== "True") continue;
      if (c["type"] === "Complete") return "Complete";
      if (c["type"] === "Failed") return "Failed";
      if (c["type"] === "Suspended") return "Suspended";
    }
  }
  return "Running";
}

function jobDuration(o: JsonObject, now: number): string {
  const start = getPath(o, ["status", "startTime"]);
  if (typeof start !== "string") return "";
  const end = getPath(o, ["status", "completionTime"]);
  const endMs = typeof end === "string" ? Date.parse(end) : now;
  return ageOf(start, endMs);
}

function completions(o: JsonObject): string {
  const succeeded = num(getPath(o, ["status", "succeeded"]));
  const c = getPath(o, ["spec", "completions"]);
  return typeof c === "number"
    ? `${succeeded}/${c}`
    : `${succeeded}/1 of ${num(getPath(o, ["spec", "parallelism"])) || 1}`;
}

function str(path: string[], fallback = "<none>"): Cell {
  return (o) => {
    const v = getPath(o, path);
    if (typeof v === "string") return v;
    if (typeof v === "number" || typeof v === "boolean") return String(v);
    return fallback;
  };
}

function intCol(path: string[]): Cell {
  return (o) => num(getPath(o, path));
}

/** Built-in table columns (between NAME and AGE) as kube-apiserver's printers define them, keyed by kind. */
export const BUILTIN_COLUMNS: Record<string, PrinterColumn[]> = {
  Namespace: [col("Status", str(["status", "phase"], "Active"))],
  ConfigMap: [dataColumn],
  Secret: [col("Type", str(["type"], "Opaque")), dataColumn],
  Service: [
    col("Type", str(["spec", "type"], "ClusterIP")),
    col("Cluster-IP", str(["spec", "clusterIP"])),
    col("External-IP", externalIp),
    col("Port(s)", servicePorts),
  ],
  ServiceAccount: [col("Secrets", (o) => count(o["secrets"]), "integer")],
  Pod: [col("Ready", podReady), col("Status", podStatus), col("Restarts", podRestarts, "string")],
  PersistentVolumeClaim: [
    col("Status", str(["status", "phase"], "Pending")),
    col("Volume", str(["spec", "volumeName"], "")),
    col("Capacity", str(["status", "capacity", "storage"], "")),
    col("Storage Class", str(["spec", "storageClassName"], "<unset>")),
  ],
  Deployment: [
    col("Ready", readyOf),
    col("Up-to-date", intCol(["status", "updatedReplicas"]), "integer"),
    col("Available", intCol(["status", "availableReplicas"]), "integer"),
  ],
  StatefulSet: [col("Ready", readyOf)],
  ReplicaSet: [
    col("Desired", intCol(["spec", "replicas"]), "integer"),
    col("Current", intCol(["status", "replicas"]), "integer"),
    col("Ready", intCol(["status", "readyReplicas"]), "integer"),
  ],
  DaemonSet: [
    col("Desired", intCol(["status", "desiredNumberScheduled"]), "integer"),
    col("Current", intCol(["status", "currentNumberScheduled"]), "integer"),
    col("Ready", intCol(["status", "numberReady"]), "integer"),
    col("Up-to-date", intCol(["status", "updatedNumberScheduled"]), "integer"),
    col("Available", intCol(["status", "numberAvailable"]), "integer"),
  ],
  Job: [col("Status", jobStatus), col("Completions", completions), col("Duration", jobDuration)],
  CronJob: [
    col("Schedule", str(["spec", "schedule"], "")),
    col("Timezone", str(["spec", "timeZone"])),
    col("Suspend", (o) => String(getPath(o, ["spec", "suspend"]) === true ? "True" : "False")),
    col("Active", (o) => count(getPath(o, ["status", "active"])), "integer"),
    col("Last Schedule", (o, now) => {
      const t = getPath(o, ["status", "lastScheduleTime"]);
      return typeof t === "string" ? ageOf(t, now) : "<none>";
    }),
  ],
  Ingress: [
    col("Class", str(["spec", "ingressClassName"])),
    col("Hosts", (o) => {
      const rules = getPath(o, ["spec", "rules"]);
      const hosts = Array.isArray(rules)
        ? rules.filter(isObject).map((r) => (typeof r["host"] === "string" ? r["host"] : "*"))
        : [];
      return hosts.length > 0 ? hosts.join(",") : "*";
    }),
    col("Address", (o) => {
      const ingress = getPath(o, ["status", "loadBalancer", "ingress"]);
      return Array.isArray(ingress)
        ? ingress
            .filter(isObject)
            .map((i) => String(i["ip"] ?? i["hostname"] ?? ""))
            .join(",")
        : "";
    }),
    col("Ports", (o) => (Array.isArray(getPath(o, ["spec", "tls"])) ? "80, 443" : "80")),
  ],
  NetworkPolicy: [
    col("Pod-Selector", (o) => {
      const labels = getPath(o, ["spec", "podSelector", "matchLabels"]);
      if (!isObject(labels) || Object.keys(labels).length === 0) return "<none>";
      return Object.entries(labels)
        .map(([k, v]) => `${k}=${String(v)}`)
        .join(",");
    }),
  ],
  Lease: [col("Holder", str(["spec", "holderIdentity"], ""))],
  Node: [
    col("Status", (o) => {
      const conds = getPath(o, ["status", "conditions"]);
      const ready = Array.isArray(conds) ? conds.filter(isObject).find((c) => c["type"] === "Ready") : undefined;
      return ready?.["status"] === "True" ? "Ready" : "NotReady";
    }),
    col("Roles", (o) => {
      const labels = getPath(o, ["metadata", "labels"]);
      const roles = isObject(labels)
        ? Object.keys(labels)
            .filter((k) => k.startsWith("node-role.kubernetes.io/"))
            .map((k) => k.slice("node-role.kubernetes.io/".length))
        : [];
      return roles.length > 0 ? roles.join(",") : "<none>";
    }),
  ],
  PersistentVolume: [
    col("Capacity", str(["spec", "capacity", "storage"], "")),
    col("Access Modes", (o) => {
      const modes = getPath(o, ["spec", "accessModes"]);
      const short: Record<string, string> = {
        ReadWriteOnce: "RWO",
        ReadOnlyMany: "ROX",
        ReadWriteMany: "RWX",
        ReadWriteOncePod: "RWOP",
      };
      return Array.isArray(modes) ? modes.map((m) => short[String(m)] ?? String(m)).join(",") : "";
    }),
    col("Reclaim Policy", str(["spec", "persistentVolumeReclaimPolicy"], "")),
    col("Status", str(["status", "phase"], "")),
    col("Claim", (o) => {
      const ns = getPath(o, ["spec", "claimRef", "namespace"]);
      const name = getPath(o, ["spec", "claimRef", "name"]);
      return typeof name === "string" ? `${String(ns ?? "")}/${name}` : "";
    }),
    col("StorageClass", str(["spec", "storageClassName"], "")),
  ],
  StorageClass: [
    col("Provisioner", str(["provisioner"], "")),
    col("ReclaimPolicy", str(["reclaimPolicy"], "Delete")),
    col("VolumeBindingMode", str(["volumeBindingMode"], "Immediate")),
    col("AllowVolumeExpansion", (o) => (o["allowVolumeExpansion"] === true ? "true" : "false")),
  ],
  PriorityClass: [
    col("Value", intCol(["value"]), "integer"),
    col("Global-Default", (o) => (o["globalDefault"] === true ? "true" : "false")),
  ],
  HorizontalPodAutoscaler: [
    col(
      "Reference",
      (o) =>
        `${String(getPath(o, ["spec", "scaleTargetRef", "kind"]) ?? "")}/${String(getPath(o, ["spec", "scaleTargetRef", "name"]) ?? "")}`,
    ),
    col("MinPods", (o) => num(getPath(o, ["spec", "minReplicas"])) || 1, "integer"),
    col("MaxPods", intCol(["spec", "maxReplicas"]), "integer"),
    col("Replicas", intCol(["status", "currentReplicas"]), "integer"),
  ],
  PodDisruptionBudget: [
    col("Min Available", str(["spec", "minAvailable"], "N/A")),
    col("Max Unavailable", str(["spec", "maxUnavailable"], "N/A")),
    col("Allowed Disruptions", intCol(["status", "disruptionsAllowed"]), "integer"),
  ],
  Endpoints: [
    col("Endpoints", (o) => {
      const subsets = o["subsets"];
      if (!Array.isArray(subsets)) return "<none>";
      const out: string[] = [];
      for (const s of subsets.filter(isObject)) {
        const addrs = Array.isArray(s["addresses"]) ? s["addresses"].filter(isObject) : [];
        const ports = Array.isArray(s["ports"]) ? s["ports"].filter(isObject) : [];
        for (const a of addrs) {
          if (ports.length === 0) out.push(String(a["ip"]));
          for (const p of ports) out.push(`${String(a["ip"])}:${num(p["port"])}`);
        }
      }
      return out.length > 0 ? out.join(",") : "<none>";
    }),
  ],
  Event: [
    col("Type", str(["type"], "")),
    col("Reason", str(["reason"], "")),
    col(
      "Object",
      (o) =>
        `${String(getPath(o, ["involvedObject", "kind"]) ?? "").toLowerCase()}/${String(getPath(o, ["involvedObject", "name"]) ?? "")}`,
    ),
    col("Message", str(["message"], "")),
  ],
  ClusterRoleBinding: [
    col(
      "Role",
      (o) => `${String(getPath(o, ["roleRef", "kind"]) ?? "")}/${String(getPath(o, ["roleRef", "name"]) ?? "")}`,
    ),
  ],
  RoleBinding: [
    col(
      "Role",
      (o) => `${String(getPath(o, ["roleRef", "kind"]) ?? "")}/${String(getPath(o, ["roleRef", "name"]) ?? "")}`,
    ),
  ],
};
