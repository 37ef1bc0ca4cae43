import { randomInt } from "node:crypto";
import type { ResourceType } from "../resources/resource-type.js";
import { getPath, isObject, type JsonObject, type JsonValue, jsonEqual } from "../util/json.js";

function defaultContainerPorts(podSpec: JsonValue | undefined, restartPolicy = "Always"): void {
  if (!isObject(podSpec)) return;
  for (const listName of ["containers", "initContainers"]) {
    const list = podSpec[listName];
    if (!Array.isArray(list)) continue;
    for (const c of list) {
      if (!isObject(c)) continue;
      if (Array.isArray(c["ports"]))
        for (const p of c["ports"]) if (isObject(p) && p["protocol"] === undefined) p["protocol"] = "TCP";
      if (c["terminationMessagePath"] === undefined) c["terminationMessagePath"] = "/dev/termination-log";
      if (c["terminationMessagePolicy"] === undefined) c["terminationMessagePolicy"] = "File";
      if (c["imagePullPolicy"] === undefined && typeof c["image"] === "string") {
        const image = c["image"];
        const tag = image.includes("@") ? "digest" : (image.split("/").pop() ?? "").split(":")[1];
        c["imagePullPolicy"] = tag === undefined || tag === "latest" ? "Always" : "IfNotPresent";
      }
    }
  }
  if (podSpec["restartPolicy"] === undefined) podSpec["restartPolicy"] = restartPolicy;
  if (podSpec["dnsPolicy"] === undefined) podSpec["dnsPolicy"] = "ClusterFirst";
  if (podSpec["schedulerName"] === undefined) podSpec["schedulerName"] = "default-scheduler";
  if (podSpec["terminationGracePeriodSeconds"] === undefined) podSpec["terminationGracePeriodSeconds"] = 30;
  if (podSpec["securityContext"] === undefined) podSpec["securityContext"] = {};
}

/**
 * A Pod runs as a ServiceAccount: `default` when it names none (kube's ServiceAccount admission, on create; an
 * update keeps the stored one), and the deprecated `serviceAccount` mirrors it as the v1 conversion does.
 */
function defaultServiceAccount(podSpec: JsonObject, old: JsonObject | undefined): void {
  const named = (v: JsonValue | undefined) => (typeof v === "string" && v !== "" ? v : undefined);
  const oldName = old ? named(getPath(old, ["spec", "serviceAccountName"])) : undefined;
  const name = named(podSpec["serviceAccountName"]) ?? named(podSpec["serviceAccount"]) ?? (old ? oldName : "default");
  if (name === undefined) return;
  podSpec["serviceAccountName"] = name;
  podSpec["serviceAccount"] = name;
}

function defaultTemplate(spec: JsonObject): void {
  defaultContainerPorts(getPath(spec, ["template", "spec"]));
}

/** Allocates Service cluster IPs from 10.96.0.0/12 (not routable; informational). */
function allocateClusterIp(): string {
  return `10.96.${randomInt(0, 256)}.${randomInt(1, 255)}`;
}

/**
 * Gives a Service its cluster IP: an update that leaves `clusterIP` unset or empty keeps the allocated one (as
 * kube-apiserver's service storage does), a create allocates one; `clusterIPs` follows `clusterIP`.
 */
function defaultClusterIp(spec: JsonObject, old: JsonObject | undefined): void {
  const oldSpec = old && isObject(old["spec"]) && old["spec"]["type"] !== "ExternalName" ? old["spec"] : undefined;
  const oldIp = oldSpec?.["clusterIP"];
  const oldIps = oldSpec?.["clusterIPs"];
  if (spec["clusterIP"] === undefined || spec["clusterIP"] === "") {
    if (typeof oldIp === "string" && oldIp !== "") {
      spec["clusterIP"] = oldIp;
      const ips = spec["clusterIPs"];
      if ((!Array.isArray(ips) || ips.length === 0) && Array.isArray(oldIps)) spec["clusterIPs"] = oldIps;
    } else {
      spec["clusterIP"] = allocateClusterIp();
    }
  }
  const ip = spec["clusterIP"];
  const ips = spec["clusterIPs"];
  if (!Array.isArray(ips) || ips.length === 0) spec["clusterIPs"] = [ip];
  else if (oldIp !== undefined && ip !== oldIp && jsonEqual(ips, oldIps)) spec["clusterIPs"] = [ip];
  if (spec["ipFamilies"] === undefined) spec["ipFamilies"] = ["IPv4"];
  if (spec["ipFamilyPolicy"] === undefined) spec["ipFamilyPolicy"] = "SingleStack";
  if (spec["internalTrafficPolicy"] === undefined) spec["internalTrafficPolicy"] = "Cluster";
}

/** Secret `stringData` is write-only: its entries are base64-encoded into `data` (overriding same keys). */
function mergeStringData(obj: JsonObject): void {
  const stringData = obj["stringData"];
  delete obj["stringData"];
  if (!isObject(stringData)) return;
  const data = isObject(obj["data"]) ? obj["data"] : {};
  for (const [k, v] of Object.entries(stringData)) {
    data[k] = Buffer.from(typeof v === "string" ? v : "", "utf8").toString("base64");
  }
  if (Object.keys(data).length > 0) obj["data"] = data;
}

/**
 * On create of a Job without `manualSelector: true`, labels its pod template with the job name and uid and
 * selects the uid label, as kube-apiserver's Job storage does (labels the user already set are kept).
 */
function generateJobSelector(obj: JsonObject, spec: JsonObject): void {
  const meta = isObject(obj["metadata"]) ? obj["metadata"] : {};
  const name = typeof meta["name"] === "string" ? meta["name"] : "";
  const uid = typeof meta["uid"] === "string" ? meta["uid"] : "";
  const template = isObject(spec["template"]) ? spec["template"] : {};
  spec["template"] = template;
  const tmeta = isObject(template["metadata"]) ? template["metadata"] : {};
  template["metadata"] = tmeta;
  const labels = isObject(tmeta["labels"]) ? tmeta["labels"] : {};
  tmeta["labels"] = labels;
  for (const k of ["job-name", "batch.kubernetes.io/job-name"]) if (labels[k] === undefined) labels[k] = name;
  for (const k of ["controller-uid", "batch.kubernetes.io/controller-uid"])
    if (labels[k] === undefined) labels[k] = uid;
  const selector = isObject(spec["selector"]) ? spec["selector"] : {};
  spec["selector"] = selector;
  const matchLabels = isObject(selector["matchLabels"]) ? selector["matchLabels"] : {};
  selector["matchLabels"] = matchLabels;
  if (matchLabels["batch.kubernetes.io/controller-uid"] === undefined) {
    matchLabels["batch.kubernetes.io/controller-uid"] = uid;
  }
}

/**
 * Applies the defaults kube-apiserver sets on built-in kinds that clients rely on (port protocols, replicas,
 * strategies, service type and cluster IP, secret type). Runs on create and on update.
 */
export function applyBuiltinDefaults(rt: ResourceType, obj: JsonObject, old: JsonObject | undefined): void {
  const spec = isObject(obj["spec"]) ? obj["spec"] : undefined;
  switch (`${rt.group}/${rt.kind}`) {
    case "/Secret":
      if (obj["type"] === undefined) obj["type"] = "Opaque";
      mergeStringData(obj);
      break;
    case "/Pod":
      defaultContainerPorts(spec);
      if (spec) defaultServiceAccount(spec, old);
      break;
    case "/Service": {
      if (!spec) break;
      if (spec["type"] === undefined) spec["type"] = "ClusterIP";
      if (spec["sessionAffinity"] === undefined) spec["sessionAffinity"] = "None";
      if (Array.isArray(spec["ports"])) {
        const oldPorts = old ? getPath(old, ["spec", "ports"]) : undefined;
        for (const p of spec["ports"]) {
          if (!isObject(p)) continue;
          if (p["protocol"] === undefined) p["protocol"] = "TCP";
          if (p["targetPort"] === undefined && p["port"] !== undefined) p["targetPort"] = p["port"];
          if ((spec["type"] === "NodePort" || spec["type"] === "LoadBalancer") && p["nodePort"] === undefined) {
            const kept = Array.isArray(oldPorts)
              ? oldPorts
                  .filter(isObject)
                  .find((o) => o["port"] === p["port"] && (o["protocol"] ?? "TCP") === p["protocol"])
              : undefined;
            p["nodePort"] = typeof kept?.["nodePort"] === "number" ? kept["nodePort"] : randomInt(30000, 32768);
          }
        }
      }
      if (spec["type"] !== "ExternalName") defaultClusterIp(spec, old);
      break;
    }
    case "apps/Deployment":
      if (!spec) break;
      if (spec["replicas"] === undefined) spec["replicas"] = 1;
      if (spec["revisionHistoryLimit"] === undefined) spec["revisionHistoryLimit"] = 10;
      if (spec["progressDeadlineSeconds"] === undefined) spec["progressDeadlineSeconds"] = 600;
      if (spec["strategy"] === undefined) {
        spec["strategy"] = { type: "RollingUpdate", rollingUpdate: { maxUnavailable: "25%", maxSurge: "25%" } };
      }
      defaultTemplate(spec);
      break;
    case "apps/StatefulSet":
      if (!spec) break;
      if (spec["replicas"] === undefined) spec["replicas"] = 1;
      if (spec["podManagementPolicy"] === undefined) spec["podManagementPolicy"] = "OrderedReady";
      if (spec["revisionHistoryLimit"] === undefined) spec["revisionHistoryLimit"] = 10;
      if (spec["updateStrategy"] === undefined)
        spec["updateStrategy"] = { type: "RollingUpdate", rollingUpdate: { partition: 0 } };
      if (spec["persistentVolumeClaimRetentionPolicy"] === undefined) {
        spec["persistentVolumeClaimRetentionPolicy"] = { whenDeleted: "Retain", whenScaled: "Retain" };
      }
      defaultTemplate(spec);
      break;
    case "apps/ReplicaSet":
      if (!spec) break;
      if (spec["replicas"] === undefined) spec["replicas"] = 1;
      defaultTemplate(spec);
      break;
    case "apps/DaemonSet":
      if (!spec) break;
      if (spec["revisionHistoryLimit"] === undefined) spec["revisionHistoryLimit"] = 10;
      if (spec["updateStrategy"] === undefined) {
        spec["updateStrategy"] = { type: "RollingUpdate", rollingUpdate: { maxUnavailable: 1, maxSurge: 0 } };
      }
      defaultTemplate(spec);
      break;
    case "batch/Job":
      if (!spec) break;
      if (spec["parallelism"] === undefined) spec["parallelism"] = 1;
      if (spec["completions"] === undefined) spec["completions"] = 1;
      if (spec["backoffLimit"] === undefined) spec["backoffLimit"] = 6;
      if (spec["completionMode"] === undefined) spec["completionMode"] = "NonIndexed";
      if (spec["suspend"] === undefined) spec["suspend"] = false;
      if (!old && spec["manualSelector"] !== true) generateJobSelector(obj, spec);
      defaultContainerPorts(getPath(spec, ["template", "spec"]));
      break;
    default:
      break;
  }
}
