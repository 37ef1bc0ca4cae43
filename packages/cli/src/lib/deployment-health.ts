// Whether a controller's Deployment really runs: on a real cluster its Pods must be Running with every
// container ready (a Deployment whose image never pulled is not "ready", whatever its status says); the
// embedded Sluice API server runs no containers and simulates Deployment status, which is said plainly.

import type { UnstructuredObject } from "@sluice/runtime/kube";
import type { CommandContext } from "../context.js";

/** What the embedded API server (packages/apiserver) reports as its version: `v1.33.0-sluice`. */
const EMBEDDED_VERSION = /-sluice$/;

/** Said once before the Deployments of the embedded API server. */
export const SIMULATED_WARNING =
  "the embedded API server runs no Pods: the Deployment status below is simulated, no controller container ran";

/** True when the cluster is Sluice's embedded API server (its `/version` ends with `-sluice`). */
export async function isEmbeddedApiServer(ctx: CommandContext): Promise<boolean> {
  const info = (await ctx.kube().request({ method: "GET", path: "/version" })) as { gitVersion?: string };
  return EMBEDDED_VERSION.test(info.gitVersion ?? "");
}

/** A Deployment's verdict. */
export interface DeploymentHealth {
  ready: boolean;
  /** e.g. `1/1 Pods running` or `0/1 Pods running: manager: ImagePullBackOff: …`. */
  detail: string;
}

interface ContainerStatus {
  name: string;
  ready?: boolean;
  state?: {
    running?: unknown;
    waiting?: { reason?: string; message?: string };
    terminated?: { reason?: string; exitCode?: number };
  };
  lastState?: { terminated?: { reason?: string; exitCode?: number } };
}

interface PodStatus {
  phase?: string;
  conditions?: { type: string; status: string; reason?: string; message?: string }[];
  containerStatuses?: ContainerStatus[];
}

/** Why a Pod is not running, from its container states and conditions. */
function podProblem(pod: UnstructuredObject): string | undefined {
  const status = (pod["status"] ?? {}) as PodStatus;
  for (const c of status.containerStatuses ?? []) {
    if (c.state?.waiting) {
      const last = c.lastState?.terminated;
      const exited = last ? ` (last exit code ${last.exitCode ?? "?"}${last.reason ? `, ${last.reason}` : ""})` : "";
      return `${c.name}: ${c.state.waiting.reason ?? "Waiting"}${c.state.waiting.message ? `: ${c.state.waiting.message}` : ""}${exited}`;
    }
    if (c.state?.terminated)
      return `${c.name}: terminated (${c.state.terminated.reason ?? "exit code"} ${c.state.terminated.exitCode ?? "?"})`;
    if (!c.ready) return `${c.name}: not ready`;
  }
  const unscheduled = status.conditions?.find((c) => c.type === "PodScheduled" && c.status === "False");
  if (unscheduled) return `not scheduled: ${unscheduled.message ?? unscheduled.reason ?? "unschedulable"}`;
  if ((status.containerStatuses ?? []).length === 0) return `${status.phase ?? "Pending"}, no container started`;
  return undefined;
}

function podRuns(pod: UnstructuredObject): boolean {
  if (pod.metadata.deletionTimestamp) return false;
  const status = (pod["status"] ?? {}) as PodStatus;
  const containers = status.containerStatuses ?? [];
  return (
    status.phase === "Running" &&
    containers.length > 0 &&
    containers.every((c) => c.ready === true && c.state?.running !== undefined) &&
    (status.conditions ?? []).some((c) => c.type === "Ready" && c.status === "True")
  );
}

/** The Deployment's verdict from its Pods (a real cluster). */
export async function deploymentPodsHealth(ctx: CommandContext, d: UnstructuredObject): Promise<DeploymentHealth> {
  const spec = (d["spec"] ?? {}) as { replicas?: number; selector?: { matchLabels?: Record<string, string> } };
  const want = spec.replicas ?? 1;
  if (want === 0) return { ready: false, detail: "scaled to 0 replicas" };
  const selector = Object.entries(spec.selector?.matchLabels ?? {})
    .map(([k, v]) => `${k}=${v}`)
    .join(",");
  const pods = (
    await ctx.kube().list<UnstructuredObject>("v1", "Pod", {
      namespace: d.metadata.namespace ?? ctx.namespace,
      ...(selector ? { labelSelector: selector } : {}),
    })
  ).items;
  const running = pods.filter(podRuns).length;
  if (running >= want) return { ready: true, detail: `${running}/${want} Pods running` };
  const problem = pods.map(podProblem).find((p) => p !== undefined);
  return {
    ready: false,
    detail: `${running}/${want} Pods running${pods.length === 0 ? ": no Pods exist" : problem ? `: ${problem}` : ""}`,
  };
}

/** The Deployment's verdict from its (simulated) status, on the embedded API server. */
export function deploymentStatusHealth(d: UnstructuredObject): DeploymentHealth {
  const want = ((d["spec"] ?? {}) as { replicas?: number }).replicas ?? 1;
  const ready = ((d["status"] ?? {}) as { readyReplicas?: number }).readyReplicas ?? 0;
  return { ready: want > 0 && ready >= want, detail: `${ready}/${want} replicas, Pods simulated` };
}
