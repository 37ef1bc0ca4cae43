/** kstatus results (cli-utils `status.Status`). */
export const ObjectStatus = {
  InProgress: "InProgress",
  Failed: "Failed",
  Current: "Current",
  Terminating: "Terminating",
  NotFound: "NotFound",
  Unknown: "Unknown",
} as const;
/** One of the {@link ObjectStatus} values. */
export type ObjectStatusName = (typeof ObjectStatus)[keyof typeof ObjectStatus];

/** The readiness of one object and why. */
export interface StatusResult {
  status: ObjectStatusName;
  message: string;
}

type Json = Record<string, unknown>;
interface Cond {
  type?: string;
  status?: string;
  reason?: string;
  message?: string;
}

function isObject(value: unknown): value is Json {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function field(obj: Json, path: string): unknown {
  let cur: unknown = obj;
  for (const key of path.split(".")) {
    if (!isObject(cur)) return undefined;
    cur = cur[key];
  }
  return cur;
}

function int(obj: Json, path: string, fallback: number): number {
  const v = field(obj, path);
  return typeof v === "number" && Number.isFinite(v) ? v : fallback;
}

function str(obj: Json, path: string, fallback: string): string {
  const v = field(obj, path);
  return typeof v === "string" ? v : fallback;
}

function conditions(obj: Json): Cond[] {
  const list = field(obj, "status.conditions");
  return Array.isArray(list) ? (list.filter(isObject) as Cond[]) : [];
}

const inProgress = (message: string): StatusResult => ({ status: "InProgress", message });
const failed = (message: string): StatusResult => ({ status: "Failed", message });
const current = (message: string): StatusResult => ({ status: "Current", message });

function deployment(obj: Json): StatusResult {
  let progressing = field(obj, "spec.progressDeadlineSeconds") === undefined;
  let available = false;
  for (const c of conditions(obj)) {
    if (c.type === "Progressing") {
      if (c.reason === "ProgressDeadlineExceeded") return failed("Progress deadline exceeded");
      if (c.status === "True" && c.reason === "NewReplicaSetAvailable") progressing = true;
    } else if (c.type === "Available" && c.status === "True") available = true;
  }
  const spec = int(obj, "spec.replicas", 1);
  const replicas = int(obj, "status.replicas", 0);
  const updated = int(obj, "status.updatedReplicas", 0);
  const ready = int(obj, "status.readyReplicas", 0);
  const availableReplicas = int(obj, "status.availableReplicas", 0);
  if (spec > replicas) return inProgress(`Replicas: ${replicas}/${spec}`);
  if (spec > updated) return inProgress(`Updated: ${updated}/${spec}`);
  if (replicas > spec) return inProgress(`Pending termination: ${replicas - spec}`);
  if (updated > availableReplicas) return inProgress(`Available: ${availableReplicas}/${updated}`);
  if (spec > ready) return inProgress(`Ready: ${ready}/${spec}`);
  if (!progressing) return inProgress("ReplicaSet not Available");
  if (!available) return inProgress("Deployment not Available");
  return current(`Deployment is available. Replicas: ${replicas}`);
}

function statefulSet(obj: Json): StatusResult {
  if (str(obj, "spec.updateStrategy.type", "") === "OnDelete") {
    return current("StatefulSet is using the ondelete update strategy");
  }
  const spec = int(obj, "spec.replicas", 1);
  const ready = int(obj, "status.readyReplicas", 0);
  const currentReplicas = int(obj, "status.currentReplicas", 0);
  const updated = int(obj, "status.updatedReplicas", 0);
  const replicas = int(obj, "status.replicas", 0);
  const partition = int(obj, "spec.updateStrategy.rollingUpdate.partition", -1);
  if (spec > replicas) return inProgress(`Replicas: ${replicas}/${spec}`);
  if (spec > ready) return inProgress(`Ready: ${ready}/${spec}`);
  if (replicas > spec) return inProgress(`Pending termination: ${replicas - spec}`);
  if (partition !== -1) {
    if (updated < spec - partition) return inProgress(`updated: ${updated}/${spec - partition}`);
    return current(`Partition rollout complete. updated: ${updated}`);
  }
  if (spec > currentReplicas) return inProgress(`current: ${currentReplicas}/${spec}`);
  if (str(obj, "status.currentRevision", "") !== str(obj, "status.updateRevision", "")) {
    return inProgress("Waiting for updated revision to match current");
  }
  return current(`All replicas scheduled as expected. Replicas: ${replicas}`);
}

function daemonSet(obj: Json): StatusResult {
  if (field(obj, "metadata.generation") === undefined) return inProgress("DaemonSet metadata.generation not found");
  if (field(obj, "status.observedGeneration") === undefined) {
    return inProgress("DaemonSet status.observedGeneration not found");
  }
  const desired = int(obj, "status.desiredNumberScheduled", -1);
  if (desired === -1) return inProgress("Missing .status.desiredNumberScheduled");
  const scheduled = int(obj, "status.currentNumberScheduled", 0);
  const updated = int(obj, "status.updatedNumberScheduled", 0);
  const availableNumber = int(obj, "status.numberAvailable", 0);
  const ready = int(obj, "status.numberReady", 0);
  if (desired > scheduled) return inProgress(`Current: ${scheduled}/${desired}`);
  if (desired > updated) return inProgress(`Updated: ${updated}/${desired}`);
  if (desired > availableNumber) return inProgress(`Available: ${availableNumber}/${desired}`);
  if (desired > ready) return inProgress(`Ready: ${ready}/${desired}`);
  return current(`All replicas scheduled as expected. Replicas: ${desired}`);
}

function replicaSet(obj: Json): StatusResult {
  if (conditions(obj).some((c) => c.type === "ReplicaFailure" && c.status === "True")) {
    return inProgress("Replica Failure condition. Check Pods");
  }
  const spec = int(obj, "spec.replicas", 1);
  const replicas = int(obj, "status.replicas", 0);
  const ready = int(obj, "status.readyReplicas", 0);
  const availableReplicas = int(obj, "status.availableReplicas", 0);
  const labelled = int(obj, "status.fullyLabeledReplicas", 0);
  if (spec > labelled) return inProgress(`Labelled: ${labelled}/${spec}`);
  if (spec > availableReplicas) return inProgress(`Available: ${availableReplicas}/${spec}`);
  if (spec > ready) return inProgress(`Ready: ${ready}/${spec}`);
  if (replicas > spec) return inProgress(`Pending termination: ${replicas - spec}`);
  return current(`ReplicaSet is available. Replicas: ${replicas}`);
}

function pod(obj: Json): StatusResult {
  const phase = str(obj, "status.phase", "");
  switch (phase) {
    case "Succeeded":
      return current("Pod has completed successfully");
    case "Failed":
      return current("Pod has completed, but not successfully");
    case "Running": {
      if (conditions(obj).some((c) => c.type === "Ready" && c.status === "True")) return current("Pod is Ready");
      const statuses = field(obj, "status.containerStatuses");
      const looping = (Array.isArray(statuses) ? statuses : [])
        .filter(isObject)
        .filter((cs) => str(cs, "state.waiting.reason", "") === "CrashLoopBackOff")
        .map((cs) => String(cs["name"]));
      if (looping.length > 0) return failed(`Containers in CrashLoop state: ${looping.join(",")}`);
      return inProgress("Pod is running but is not Ready");
    }
    case "Pending": {
      const unschedulable = conditions(obj).find(
        (c) => c.type === "PodScheduled" && c.status === "False" && c.reason === "Unschedulable",
      );
      if (unschedulable) {
        const created = Date.parse(str(obj, "metadata.creationTimestamp", ""));
        if (Number.isNaN(created) || Date.now() - created < 15_000) return inProgress("Pod has not been scheduled");
        return failed("Pod could not be scheduled");
      }
      return inProgress("Pod is in the Pending phase");
    }
    default:
      return inProgress(phase === "" ? "Pod phase not available" : `Pod phase ${phase}`);
  }
}

function job(obj: Json): StatusResult {
  const parallelism = int(obj, "spec.parallelism", 1);
  const completions = int(obj, "spec.completions", parallelism);
  const succeeded = int(obj, "status.succeeded", 0);
  const active = int(obj, "status.active", 0);
  const failedCount = int(obj, "status.failed", 0);
  for (const c of conditions(obj)) {
    if (c.type === "Complete" && c.status === "True") {
      return current(`Job Completed. succeeded: ${succeeded}/${completions}`);
    }
    if (c.type === "Failed" && c.status === "True") return failed(`Job Failed. failed: ${failedCount}/${completions}`);
  }
  if (str(obj, "status.startTime", "") === "") return inProgress("Job not started");
  return current(`Job in progress. success:${succeeded}, active: ${active}, failed: ${failedCount}`);
}

function crd(obj: Json): StatusResult {
  for (const c of conditions(obj)) {
    if (c.type === "NamesAccepted" && c.status === "False") return failed(c.message ?? "names not accepted");
    if (c.type === "Established") {
      if (c.status === "False" && c.reason !== "Installing") return failed(c.message ?? "not established");
      if (c.status === "True") return current("CRD is established");
    }
  }
  return inProgress("Install in progress");
}

function pvc(obj: Json): StatusResult {
  const phase = str(obj, "status.phase", "unknown");
  return phase === "Bound" ? current("PVC is Bound") : inProgress(`PVC is not Bound. phase: ${phase}`);
}

function service(obj: Json): StatusResult {
  if (str(obj, "spec.type", "ClusterIP") === "LoadBalancer" && str(obj, "spec.clusterIP", "") === "") {
    return inProgress("ClusterIP not set. Service type: LoadBalancer");
  }
  return current("Service is ready");
}

function namespace(obj: Json): StatusResult {
  const phase = str(obj, "status.phase", "Active");
  return phase === "Active" ? current("Namespace is active") : inProgress(`Namespace phase: ${phase}`);
}

const always = (): StatusResult => current("Resource is always ready");

const byKind: Record<string, (obj: Json) => StatusResult> = {
  Service: service,
  Pod: pod,
  Secret: always,
  ConfigMap: always,
  PersistentVolumeClaim: pvc,
  Namespace: namespace,
  "apps/StatefulSet": statefulSet,
  "apps/DaemonSet": daemonSet,
  "apps/Deployment": deployment,
  "apps/ReplicaSet": replicaSet,
  "policy/PodDisruptionBudget": () => current("AllowedDisruptions has been computed."),
  "batch/CronJob": always,
  "batch/Job": job,
  "apiextensions.k8s.io/CustomResourceDefinition": crd,
};

/**
 * Computes an object's readiness with the kstatus rules Flux's health checks use: deletion pending →
 * Terminating; `observedGeneration` behind `generation` → InProgress; `Reconciling=True` → InProgress;
 * `Stalled=True` → Failed; built-in kinds by their own fields (Deployment available, StatefulSet and
 * DaemonSet rolled out, Job complete, CRD established, PVC bound, …); otherwise a `Ready` condition
 * (True → Current, else InProgress); objects with none of these are Current.
 */
export function computeStatus(obj: { apiVersion: string; kind: string } & Json): StatusResult {
  if (str(obj, "metadata.deletionTimestamp", "") !== "") {
    return { status: "Terminating", message: "Resource scheduled for deletion" };
  }
  const generation = field(obj, "metadata.generation");
  const observed = field(obj, "status.observedGeneration");
  if (typeof generation === "number" && typeof observed === "number" && observed !== generation) {
    return inProgress(`${obj.kind} generation is ${generation}, but latest observed generation is ${observed}`);
  }
  for (const c of conditions(obj)) {
    if (c.type === "Reconciling" && c.status === "True") return inProgress(c.message || c.reason || "Reconciling");
    if (c.type === "Stalled" && c.status === "True") return failed(c.message || c.reason || "Stalled");
  }
  const slash = obj.apiVersion.indexOf("/");
  const key = slash < 0 ? obj.kind : `${obj.apiVersion.slice(0, slash)}/${obj.kind}`;
  const rule = byKind[key];
  if (rule) return rule(obj);
  const ready = conditions(obj).find((c) => c.type === "Ready");
  if (ready?.status === "True") return current("Resource is Ready");
  if (ready) return inProgress(ready.message || ready.reason || `Ready=${ready.status ?? "Unknown"}`);
  return current("Resource is current");
}
