// Turns a Flux object into the overview row the browser shows: kstatus state from its conditions, the
// revision it is at, its Ready message.

import type { ApiObject } from "@sluice/runtime/kube";
import type { ObjectState, ObjectSummary } from "../shared/api.js";

interface Condition {
  type?: string;
  status?: string;
  reason?: string;
  message?: string;
  lastTransitionTime?: string;
}

/** A Flux object as read from the cache (status and spec untyped). */
export type FluxObject = ApiObject & { spec?: Record<string, unknown>; status?: Record<string, unknown> };

/** `Kind/namespace/name` of an object. */
export function objectId(kind: string, namespace: string | undefined, name: string): string {
  return `${kind}/${namespace ?? ""}/${name}`;
}

/** The object's status conditions (empty when it has none). */
export function conditionsOf(obj: FluxObject): Condition[] {
  const c = obj.status?.["conditions"];
  return Array.isArray(c) ? (c as Condition[]) : [];
}

function str(v: unknown): string {
  return typeof v === "string" ? v : "";
}

/** The revision an object is at: its artifact's, its last applied, or its last attempted. */
export function revisionOf(obj: FluxObject): string {
  const status = obj.status ?? {};
  const artifact = status["artifact"] as { revision?: string } | undefined;
  if (artifact?.revision) return artifact.revision;
  const applied = str(status["lastAppliedRevision"]);
  if (applied) return applied;
  const history = status["history"];
  if (Array.isArray(history) && history.length > 0) {
    const h = history[0] as { chartVersion?: string; revision?: string };
    if (h.chartVersion) return h.chartVersion;
    if (h.revision) return h.revision;
  }
  return str(status["lastAttemptedRevision"]);
}

/** `Kind/namespace/name` of the object's source (`spec.sourceRef`, or a HelmRelease's chart source), or "". */
export function sourceOf(obj: FluxObject): string {
  const spec = obj.spec ?? {};
  const ns = obj.metadata.namespace ?? "";
  const ref = spec["sourceRef"] as { kind?: string; name?: string; namespace?: string } | undefined;
  if (ref?.kind && ref.name) return objectId(ref.kind, ref.namespace ?? ns, ref.name);
  const chartRef = spec["chartRef"] as { kind?: string; name?: string; namespace?: string } | undefined;
  if (chartRef?.kind && chartRef.name) return objectId(chartRef.kind, chartRef.namespace ?? ns, chartRef.name);
  const chartSpec = (spec["chart"] as { spec?: { sourceRef?: typeof ref } } | undefined)?.spec;
  const cref = chartSpec?.sourceRef;
  if (cref?.kind && cref.name) return objectId(cref.kind, cref.namespace ?? ns, cref.name);
  return "";
}

/** Derives the overview state from `spec.suspend` and the kstatus conditions. */
export function stateOf(suspended: boolean, ready: string, reconciling: boolean, stalled: boolean): ObjectState {
  if (suspended) return "Suspended";
  if (stalled) return "Stalled";
  if (reconciling) return "Reconciling";
  if (ready === "True") return "Ready";
  if (ready === "False") return "Failed";
  return "Unknown";
}

/** The overview row of a Flux object. */
export function summarize(obj: FluxObject): ObjectSummary {
  const conditions = conditionsOf(obj);
  const find = (type: string) => conditions.find((c) => c.type === type);
  const readyCond = find("Ready");
  const ready = (readyCond?.status ?? "") as ObjectSummary["ready"];
  const reconciling = find("Reconciling")?.status === "True";
  const stalled = find("Stalled")?.status === "True";
  const suspended = obj.spec?.["suspend"] === true;
  const namespace = obj.metadata.namespace ?? "";
  const name = obj.metadata.name ?? "";
  // Static kinds (Alert, Provider v1beta3) have no status: they are ready once they exist.
  const staticKind = obj.kind === "Alert" || obj.kind === "Provider";
  return {
    id: objectId(obj.kind, namespace, name),
    kind: obj.kind,
    apiVersion: obj.apiVersion,
    namespace,
    name,
    state:
      staticKind && !readyCond ? (suspended ? "Suspended" : "Ready") : stateOf(suspended, ready, reconciling, stalled),
    ready,
    reconciling,
    stalled,
    suspended,
    revision: revisionOf(obj),
    message: readyCond?.message ?? "",
    created: str(obj.metadata.creationTimestamp),
    lastTransition: readyCond?.lastTransitionTime ?? "",
    source: sourceOf(obj),
  };
}
