// The per-object page's data: conditions, events, source chain (like `sluice trace`), status.history,
// artifact, spec and Helm values. Only Flux objects are read here; Secret and ConfigMap data never are.

import type { KubeClient } from "@sluice/runtime/kube";
import { stringify } from "yaml";
import {
  type ArtifactView,
  type ChainLink,
  type ConditionView,
  type EventView,
  type HistoryEntry,
  type ObjectDetail,
  paths,
} from "../shared/api.js";
import { watchedKind } from "./kinds.js";
import { conditionsOf, type FluxObject, summarize } from "./summarize.js";
import type { WatchHub } from "./watch-hub.js";

function str(v: unknown): string {
  return typeof v === "string" ? v : "";
}

function num(v: unknown): number | null {
  return typeof v === "number" ? v : null;
}

/** The object's conditions as shown. */
export function conditionViews(obj: FluxObject): ConditionView[] {
  return conditionsOf(obj).map((c) => ({
    type: str(c.type),
    status: str(c.status),
    reason: str(c.reason),
    message: str(c.message),
    lastTransitionTime: str(c.lastTransitionTime),
  }));
}

interface KubeEvent {
  type?: string;
  reason?: string;
  message?: string;
  count?: number;
  lastTimestamp?: string;
  eventTime?: string;
  firstTimestamp?: string;
  metadata: { creationTimestamp?: string };
  source?: { component?: string };
  reportingComponent?: string;
  involvedObject?: { kind?: string; name?: string };
}

/** Events about an object, newest first (at most 50). */
export async function eventsFor(client: KubeClient, obj: FluxObject): Promise<EventView[]> {
  const list = await client.list<KubeEvent & { apiVersion: string; kind: string }>("v1", "Event", {
    namespace: obj.metadata.namespace ?? "default",
    fieldSelector: `involvedObject.kind=${obj.kind},involvedObject.name=${obj.metadata.name ?? ""}`,
  });
  const when = (e: KubeEvent) =>
    e.lastTimestamp || e.eventTime || e.firstTimestamp || e.metadata.creationTimestamp || "";
  return list.items
    .filter((e) => e.involvedObject?.kind === obj.kind && e.involvedObject?.name === obj.metadata.name)
    .sort((a, b) => (when(a) < when(b) ? 1 : when(a) > when(b) ? -1 : 0))
    .slice(0, 50)
    .map((e) => ({
      type: str(e.type),
      reason: str(e.reason),
      message: str(e.message),
      count: e.count ?? 1,
      lastTimestamp: when(e),
      source: e.source?.component ?? e.reportingComponent ?? "",
    }));
}

/**
 * The source chain ending at `obj`: each object's source, then the object; for a HelmRelease through a
 * HelmChart, the chart's source too. Stops at a missing object or after 8 links (a cycle).
 */
export function sourceChain(hub: WatchHub, obj: FluxObject): ChainLink[] {
  const chain: ChainLink[] = [];
  let current: FluxObject | undefined = obj;
  const seen = new Set<string>();
  while (current && chain.length < 8) {
    const row = summarize(current);
    if (seen.has(row.id)) break;
    seen.add(row.id);
    chain.unshift({
      id: row.id,
      kind: row.kind,
      namespace: row.namespace,
      name: row.name,
      state: row.state,
      revision: row.revision,
      message: row.message,
      linked: true,
    });
    if (!row.source) break;
    const [kind = "", namespace = "", name = ""] = row.source.split("/");
    const next: FluxObject | undefined = watchedKind(kind) ? hub.object(kind, namespace, name) : undefined;
    if (!next) {
      chain.unshift({
        id: row.source,
        kind,
        namespace,
        name,
        state: "Unknown",
        revision: "",
        message: "not found",
        linked: watchedKind(kind) !== undefined,
      });
      break;
    }
    current = next;
  }
  return chain;
}

/** `status.history` of a Kustomization or HelmRelease, newest first. */
export function historyOf(obj: FluxObject): HistoryEntry[] {
  const history = obj.status?.["history"];
  if (!Array.isArray(history)) return [];
  return history.map((raw) => {
    const h = raw as Record<string, unknown>;
    const meta = (h["metadata"] ?? {}) as Record<string, unknown>;
    const first = str(h["firstReconciled"]) || str(h["firstDeployed"]);
    const last = str(h["lastReconciled"]) || str(h["lastDeployed"]);
    const durationMs =
      typeof h["lastReconciledDuration"] === "string" ? parseDuration(h["lastReconciledDuration"]) : null;
    return {
      revision: str(h["chartVersion"]) || str(meta["revision"]) || str(h["revision"]),
      digest: str(h["digest"]) || str(h["configDigest"]),
      firstReconciled: first,
      lastReconciled: last,
      durationMs,
      status: str(h["lastReconciledStatus"]) || str(h["status"]),
      totalReconciliations: num(h["totalReconciliations"]),
      version: num(h["version"]),
      sourceRevision: str(meta["revision"]) || str(h["appVersion"]),
    };
  });
}

/** Parses a Go duration (`1.5s`, `250ms`, `1m2s`) into milliseconds; null when it is not one. */
export function parseDuration(value: string): number | null {
  const re = /(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)/g;
  const unit: Record<string, number> = { ns: 1e-6, us: 1e-3, µs: 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
  let total = 0;
  let matched = "";
  for (const m of value.matchAll(re)) {
    total += Number(m[1]) * (unit[m[2]!] ?? 0);
    matched += m[0];
  }
  return matched === value && value !== "" ? Math.round(total) : null;
}

/** The source's artifact, with the UI's download path. */
export function artifactOf(obj: FluxObject): ArtifactView | null {
  const a = obj.status?.["artifact"] as Record<string, unknown> | undefined;
  if (!a) return null;
  return {
    revision: str(a["revision"]),
    digest: str(a["digest"]),
    size: num(a["size"]),
    url: str(a["url"]),
    lastUpdateTime: str(a["lastUpdateTime"]),
    downloadPath: paths.artifact(obj.kind, obj.metadata.namespace ?? "", obj.metadata.name ?? ""),
  };
}

/** The detail page's data of a cached Flux object. */
export async function objectDetail(hub: WatchHub, client: KubeClient, obj: FluxObject): Promise<ObjectDetail> {
  const spec = { ...(obj.spec ?? {}) };
  const values = spec["values"];
  const dependsOn = Array.isArray(spec["dependsOn"])
    ? (spec["dependsOn"] as Array<{ name?: string; namespace?: string }>).map(
        (d) => `${d.namespace ?? obj.metadata.namespace}/${d.name}`,
      )
    : [];
  return {
    summary: summarize(obj),
    conditions: conditionViews(obj),
    events: await eventsFor(client, obj).catch(() => []),
    chain: sourceChain(hub, obj),
    history: historyOf(obj),
    artifact: artifactOf(obj),
    specYaml: stringify(spec),
    dependsOn,
    valuesYaml: values === undefined ? "" : stringify(values),
  };
}
