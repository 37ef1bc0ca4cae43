import { X509Certificate } from "node:crypto";
import { isDeepStrictEqual } from "node:util";
import type { UnstructuredObject } from "../kube/object-ref.js";
import { isCrd } from "./staging.js";

type JsonObject = Record<string, unknown>;

function isObject(value: unknown): value is JsonObject {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

const podTemplatePaths: Record<string, string[][]> = {
  "v1/Pod": [["spec"]],
  "apps/Deployment": [["spec", "template", "spec"]],
  "apps/StatefulSet": [["spec", "template", "spec"]],
  "apps/DaemonSet": [["spec", "template", "spec"]],
  "apps/ReplicaSet": [["spec", "template", "spec"]],
  "batch/Job": [["spec", "template", "spec"]],
  "batch/CronJob": [["spec", "jobTemplate", "spec", "template", "spec"]],
};

function dig(obj: JsonObject, path: readonly string[]): unknown {
  let cur: unknown = obj;
  for (const key of path) {
    if (!isObject(cur)) return undefined;
    cur = cur[key];
  }
  return cur;
}

function defaultProtocol(ports: unknown): void {
  if (!Array.isArray(ports)) return;
  for (const port of ports) if (isObject(port) && port["protocol"] === undefined) port["protocol"] = "TCP";
}

function kindKey(obj: UnstructuredObject): string {
  const slash = obj.apiVersion.indexOf("/");
  return slash < 0 ? `v1/${obj.kind}` : `${obj.apiVersion.slice(0, slash)}/${obj.kind}`;
}

/**
 * Prepares a desired object for apply, as Flux's `normalize.Unstructured` does, on a copy:
 * Secret `stringData` folded into base64 `data`; `protocol: TCP` defaulted on container and Service
 * ports (SSA merges ports by `(port, protocol)`, so an omitted protocol would never match the live list);
 * `status` removed except on CRDs; `metadata.creationTimestamp` removed; a CRD conversion webhook
 * `caBundle` that is not base64 PEM certificates removed (the API server would reject the CRD).
 */
export function normalizeDesired(input: UnstructuredObject): UnstructuredObject {
  const obj = structuredClone(input);
  const key = kindKey(obj);
  if (key === "v1/Secret" && isObject(obj["stringData"])) {
    const data: JsonObject = isObject(obj["data"]) ? obj["data"] : {};
    for (const [k, v] of Object.entries(obj["stringData"])) data[k] = Buffer.from(String(v), "utf8").toString("base64");
    obj["data"] = data;
    delete obj["stringData"];
  }
  for (const path of podTemplatePaths[key] ?? []) {
    const spec = dig(obj, path);
    if (!isObject(spec)) continue;
    for (const field of ["containers", "initContainers"]) {
      const containers = spec[field];
      if (!Array.isArray(containers)) continue;
      for (const c of containers) if (isObject(c)) defaultProtocol(c["ports"]);
    }
  }
  if (key === "v1/Service" && isObject(obj["spec"])) defaultProtocol(obj["spec"]["ports"]);
  if (isCrd(obj)) dropInvalidCaBundle(obj);
  else delete obj["status"];
  if (obj.metadata && "creationTimestamp" in obj.metadata) {
    const { creationTimestamp: _dropped, ...rest } = obj.metadata;
    obj.metadata = rest;
  }
  return obj;
}

function dropInvalidCaBundle(crd: JsonObject): void {
  const clientConfig = dig(crd, ["spec", "conversion", "webhook", "clientConfig"]);
  if (!isObject(clientConfig)) return;
  const bundle = clientConfig["caBundle"];
  if (typeof bundle !== "string" || bundle === "") return;
  if (!isPemBundle(bundle)) delete clientConfig["caBundle"];
}

/** True when `base64` decodes to one or more parseable PEM certificates. */
export function isPemBundle(base64: string): boolean {
  if (!/^[A-Za-z0-9+/=\s]+$/.test(base64)) return false;
  const pem = Buffer.from(base64, "base64").toString("utf8");
  const blocks = pem.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
  if (blocks.length === 0) return false;
  try {
    for (const block of blocks) new X509Certificate(block);
    return true;
  } catch {
    return false;
  }
}

/** An object reduced to what drift detection compares: everything but `metadata` and `status`. */
export function diffableBody(obj: UnstructuredObject): JsonObject {
  const { metadata: _m, status: _s, ...rest } = obj;
  return rest;
}

function sameMap(a: Record<string, string> | undefined, b: Record<string, string> | undefined): boolean {
  return isDeepStrictEqual(a ?? {}, b ?? {});
}

/**
 * True when applying would change the live object: there is none, or the server-side dry-run result
 * differs from it in labels, annotations, or anything outside metadata and status. Server-managed metadata
 * (managedFields, resourceVersion, generation, uid, timestamps) and status never count as drift.
 */
export function hasDrifted(live: UnstructuredObject | undefined, dryRun: UnstructuredObject): boolean {
  if (!live || !dryRun.metadata.resourceVersion) return true;
  if (!sameMap(live.metadata.labels, dryRun.metadata.labels)) return true;
  if (!sameMap(live.metadata.annotations, dryRun.metadata.annotations)) return true;
  return !isDeepStrictEqual(diffableBody(live), diffableBody(dryRun));
}

/**
 * Masks Secret `data` values of two versions of an object for display: `***` when equal, `*** (before)`
 * / `*** (after)` when they differ, so a diff shows which keys changed without any value.
 */
export function maskSecretData(before: UnstructuredObject, after: UnstructuredObject): void {
  const a = isObject(before["data"]) ? before["data"] : undefined;
  const b = isObject(after["data"]) ? after["data"] : undefined;
  for (const k of Object.keys(a ?? {})) {
    if (b && k in b) {
      const changed = a![k] !== b[k];
      a![k] = changed ? "*** (before)" : "***";
      b[k] = changed ? "*** (after)" : "***";
    } else a![k] = "***";
  }
  for (const k of Object.keys(b ?? {})) if (!a || !(k in a)) b![k] = "***";
  for (const obj of [before, after]) if (isObject(obj["stringData"])) delete obj["stringData"];
}
