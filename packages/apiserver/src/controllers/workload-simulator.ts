import { createHash } from "node:crypto";
import { systemContext } from "../api/request-context.js";
import type { ResourceService } from "../api/resource-service.js";
import { ApiError } from "../errors.js";
import { logControllerError } from "../log.js";
import type { ResourceRegistry } from "../resources/registry.js";
import { formatLabelSelector, labelSelectorFromObject } from "../selectors/label-selector.js";
import { cloneJson, getPath, isObject, type JsonObject } from "../util/json.js";
import { type KubeObject, kubeTime } from "../util/meta.js";

const SIMULATED = new Set([
  "apps/deployments",
  "apps/statefulsets",
  "apps/daemonsets",
  "apps/replicasets",
  "batch/jobs",
  "/persistentvolumeclaims",
  "/pods",
  "/services",
]);

function podStatus(obj: KubeObject, now: string): JsonObject {
  const restart = getPath(obj, ["spec", "restartPolicy"]);
  const containers = getPath(obj, ["spec", "containers"]);
  const names = Array.isArray(containers)
    ? containers.filter(isObject).map((c) => ({ name: String(c["name"]), image: String(c["image"] ?? "") }))
    : [];
  const completes = restart === "Never" || restart === "OnFailure";
  const started = (getPath(obj, ["status", "startTime"]) as string | undefined) ?? now;
  const ready = completes ? "False" : "True";
  const readyReason = completes ? { reason: "PodCompleted" } : {};
  const conditions = [
    { type: "PodReadyToStartContainers", status: "True", lastProbeTime: null, lastTransitionTime: now },
    { type: "Initialized", status: "True", lastProbeTime: null, lastTransitionTime: now },
    { type: "Ready", status: ready, lastProbeTime: null, lastTransitionTime: now, ...readyReason },
    { type: "ContainersReady", status: ready, lastProbeTime: null, lastTransitionTime: now, ...readyReason },
    { type: "PodScheduled", status: "True", lastProbeTime: null, lastTransitionTime: now },
  ];
  return {
    phase: completes ? "Succeeded" : "Running",
    conditions,
    hostIP: "127.0.0.1",
    podIP: "127.0.0.1",
    podIPs: [{ ip: "127.0.0.1" }],
    startTime: started,
    qosClass: "BestEffort",
    containerStatuses: names.map((c) => ({
      name: c.name,
      image: c.image,
      imageID: "",
      ready: !completes,
      started: !completes,
      restartCount: 0,
      state: completes
        ? { terminated: { exitCode: 0, reason: "Completed", startedAt: started, finishedAt: now } }
        : { running: { startedAt: started } },
    })),
  };
}

function num(v: unknown, fallback: number): number {
  return typeof v === "number" ? v : fallback;
}

/** A short hash of a workload's pod template (the ReplicaSet name suffix, like `pod-template-hash`). */
export function templateHash(obj: KubeObject): string {
  const tpl = JSON.stringify(getPath(obj, ["spec", "template"]) ?? {});
  return createHash("sha256").update(tpl).digest("hex").slice(0, 10);
}

function condition(
  type: string,
  reason: string,
  message: string,
  now: string,
  previous: JsonObject[] = [],
): JsonObject {
  const old = previous.find((c) => c["type"] === type && c["status"] === "True");
  const c: JsonObject = {
    type,
    status: "True",
    reason,
    message,
    lastTransitionTime: (old?.["lastTransitionTime"] as string | undefined) ?? now,
  };
  return c;
}

/** The status a workload's real controller reports once every replica is up to date, ready and available. */
export function simulatedStatus(collection: string, obj: KubeObject): JsonObject | undefined {
  const generation = num(obj.metadata["generation"], 1);
  const now = kubeTime();
  const replicas = num(getPath(obj, ["spec", "replicas"]), 1);
  const prev = getPath(obj, ["status", "conditions"]);
  const prevConds = Array.isArray(prev) ? prev.filter(isObject) : [];
  const selector = labelSelectorFromObject(getPath(obj, ["spec", "selector"]));
  const counts = (s: JsonObject): JsonObject => {
    if (replicas > 0)
      Object.assign(s, { replicas, updatedReplicas: replicas, readyReplicas: replicas, availableReplicas: replicas });
    return s;
  };
  switch (collection) {
    case "apps/deployments": {
      const rsName = `${String(obj.metadata["name"])}-${templateHash(obj)}`;
      const s = counts({ observedGeneration: generation });
      s["conditions"] = [
        {
          ...condition("Available", "MinimumReplicasAvailable", "Deployment has minimum availability.", now, prevConds),
          lastUpdateTime: now,
        },
        {
          ...condition(
            "Progressing",
            "NewReplicaSetAvailable",
            `ReplicaSet "${rsName}" has successfully progressed.`,
            now,
            prevConds,
          ),
          lastUpdateTime: now,
        },
      ];
      return s;
    }
    case "apps/statefulsets": {
      const revision = `${String(obj.metadata["name"])}-${templateHash(obj)}`;
      const s: JsonObject = { observedGeneration: generation, replicas, collisionCount: 0 };
      if (replicas > 0)
        Object.assign(s, {
          readyReplicas: replicas,
          currentReplicas: replicas,
          updatedReplicas: replicas,
          availableReplicas: replicas,
        });
      Object.assign(s, { currentRevision: revision, updateRevision: revision });
      return s;
    }
    case "apps/replicasets": {
      const s: JsonObject = { observedGeneration: generation, replicas };
      if (replicas > 0)
        Object.assign(s, { fullyLabeledReplicas: replicas, readyReplicas: replicas, availableReplicas: replicas });
      if (selector) s["selector"] = formatLabelSelector(selector);
      return s;
    }
    case "apps/daemonsets":
      return {
        observedGeneration: generation,
        currentNumberScheduled: 1,
        desiredNumberScheduled: 1,
        numberMisscheduled: 0,
        numberReady: 1,
        numberAvailable: 1,
        updatedNumberScheduled: 1,
      };
    case "batch/jobs": {
      if (getPath(obj, ["spec", "suspend"]) === true) return undefined;
      const completions = num(getPath(obj, ["spec", "completions"]), 1);
      const start = (getPath(obj, ["status", "startTime"]) as string | undefined) ?? now;
      return {
        startTime: start,
        completionTime: now,
        succeeded: completions,
        ready: 0,
        terminating: 0,
        uncountedTerminatedPods: {},
        conditions: [
          {
            type: "SuccessCriteriaMet",
            status: "True",
            reason: "CompletionsReached",
            message: "Reached expected number of succeeded pods",
            lastProbeTime: now,
            lastTransitionTime: now,
          },
          {
            type: "Complete",
            status: "True",
            reason: "CompletionsReached",
            message: "Reached expected number of succeeded pods",
            lastProbeTime: now,
            lastTransitionTime: now,
          },
        ],
      };
    }
    case "/pods":
      return podStatus(obj, now);
    case "/services":
      if (getPath(obj, ["spec", "type"]) !== "LoadBalancer") return undefined;
      return { loadBalancer: { ingress: [{ ip: "127.0.0.1", ipMode: "VIP" }] } };
    case "/persistentvolumeclaims": {
      const storage = getPath(obj, ["spec", "resources", "requests", "storage"]);
      const s: JsonObject = { phase: "Bound" };
      const modes = getPath(obj, ["spec", "accessModes"]);
      if (Array.isArray(modes)) s["accessModes"] = modes;
      if (typeof storage === "string") s["capacity"] = { storage };
      return s;
    }
    default:
      return undefined;
  }
}

function settled(collection: string, obj: KubeObject): boolean {
  const status = obj["status"];
  if (!isObject(status)) return false;
  if (collection === "/persistentvolumeclaims") return status["phase"] === "Bound";
  if (collection === "/pods") return typeof status["podIP"] === "string";
  if (collection === "/services") {
    return (
      getPath(obj, ["spec", "type"]) !== "LoadBalancer" || Array.isArray(getPath(status, ["loadBalancer", "ingress"]))
    );
  }
  if (collection === "batch/jobs")
    return typeof status["completionTime"] === "string" || getPath(obj, ["spec", "suspend"]) === true;
  const replicas = num(getPath(obj, ["spec", "replicas"]), 1);
  const observed = status["observedGeneration"] === num(obj.metadata["generation"], 1);
  if (collection === "apps/daemonsets") return observed;
  return observed && num(status["readyReplicas"], 0) === replicas && num(status["replicas"], 0) === replicas;
}

/**
 * Stands in for the workload controllers of a real cluster: a short while after a Deployment, StatefulSet,
 * DaemonSet, ReplicaSet or Job is created or changed, writes the status its controller would report when
 * everything is rolled out (observedGeneration, replica counts, Available/Progressing or Complete conditions),
 * so kstatus health checks and `helm --wait` succeed. PersistentVolumeClaims become Bound, Pods Running and Ready
 * (Succeeded when their restartPolicy is Never or OnFailure), LoadBalancer Services get an ingress address.
 */
export class WorkloadSimulator {
  private unsubscribe: (() => void) | undefined;
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private readonly ctx = systemContext("kube-controller-manager");

  constructor(
    private readonly svc: ResourceService,
    private readonly registry: ResourceRegistry,
    private readonly delayMs: number,
  ) {}

  /** Starts simulating (also for workloads stored before the start). */
  start(): void {
    const store = this.svc.store;
    this.unsubscribe = store.onEvent((collection, key, e) => {
      if (!SIMULATED.has(collection) || e.type === "DELETED") return;
      this.consider(collection, key, e.object);
    });
    for (const ck of SIMULATED) for (const [key, obj] of store.collection(ck).items) this.consider(ck, key, obj);
  }

  /** Stops simulating. */
  stop(): void {
    this.unsubscribe?.();
    for (const t of this.timers.values()) clearTimeout(t);
    this.timers.clear();
  }

  private consider(collection: string, key: string, obj: KubeObject): void {
    if (typeof obj.metadata["deletionTimestamp"] === "string" || settled(collection, obj)) return;
    const id = `${collection}\u0000${key}`;
    if (this.timers.has(id)) return;
    this.timers.set(
      id,
      setTimeout(() => {
        this.timers.delete(id);
        this.apply(collection, key);
      }, this.delayMs),
    );
  }

  private apply(collection: string, key: string): void {
    const stored = this.svc.store.get(collection, key);
    const rt = this.registry.byStorageKey(collection);
    if (!stored || !rt || settled(collection, stored)) return;
    const current = this.svc.toVersion(rt, stored);
    const status = simulatedStatus(collection, current);
    if (!status) return;
    const next = cloneJson(current);
    next["status"] = status;
    try {
      this.svc.commitUpdate(rt, key, current, next, this.ctx, "status");
    } catch (err: unknown) {
      if (err instanceof ApiError && (err.code === 404 || err.code === 409)) return;
      logControllerError("workload-simulator", key, err);
    }
  }
}
