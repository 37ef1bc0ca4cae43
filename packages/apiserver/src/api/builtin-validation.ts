import type { FieldError } from "../errors.js";
import type { ResourceType } from "../resources/resource-type.js";
import { labelSelectorFromObject, matchesLabels } from "../selectors/label-selector.js";
import { isObject, type JsonObject, type JsonValue } from "../util/json.js";
import { quantityValue } from "../util/quantity.js";
import { DNS1123_LABEL, LABEL_MSG, LABEL_VALUE, validateQualifiedName } from "./validate-meta.js";

// The kind-specific validation of kube-apiserver (pkg/apis/*/validation) that users hit most, with its messages.
// The OpenAPI schema check (types, formats, required fields) runs before this; this covers what no schema says.

const PORT_RANGE = "must be between 1 and 65535, inclusive";
const PROTOCOLS = ["SCTP", "TCP", "UDP"];
const CONFIG_KEY = /^[-._a-zA-Z0-9]+$/;
const CONFIG_KEY_MSG =
  "a valid config key must consist of alphanumeric characters, '-', '_' or '.' (e.g. 'key.name',  or 'KEY_NAME',  or 'key-name', regex used for validation is '[-._a-zA-Z0-9]+')";
const LABEL_VALUE_MSG =
  "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')";
const MAX_SECRET_SIZE = 1024 * 1024;

type Errs = FieldError[];

const quote = (values: string[]): string => values.map((v) => JSON.stringify(v)).join(", ");

function str(v: JsonValue | undefined): string {
  return typeof v === "string" ? v : "";
}

function num(v: JsonValue | undefined): number {
  return typeof v === "number" ? v : 0;
}

function obj(v: JsonValue | undefined): JsonObject | undefined {
  return isObject(v) ? v : undefined;
}

function list(v: JsonValue | undefined): JsonValue[] {
  return Array.isArray(v) ? v : [];
}

/** Go's `%#v` of a map[string]string (how validation prints template labels). */
function goStringMap(m: JsonObject | undefined): string {
  if (!m) return "map[string]string(nil)";
  const keys = Object.keys(m).sort();
  return `map[string]string{${keys.map((k) => `${JSON.stringify(k)}:${JSON.stringify(str(m[k]))}`).join(", ")}}`;
}

function invalid(field: string, value: JsonValue, detail: string, valueText?: string): FieldError {
  const e: FieldError = { type: "FieldValueInvalid", field, value, detail };
  if (valueText !== undefined) e.valueText = valueText;
  return e;
}

function required(field: string, detail = ""): FieldError {
  return { type: "FieldValueRequired", field, detail, omitValue: true };
}

function notSupported(field: string, value: JsonValue, supported: string[]): FieldError {
  return { type: "FieldValueNotSupported", field, value, detail: `supported values: ${quote(supported)}` };
}

function dnsLabel(field: string, value: string): Errs {
  const out: Errs = [];
  if (value.length > 63) out.push(invalid(field, value, "must be no more than 63 characters"));
  if (!DNS1123_LABEL.test(value)) out.push(invalid(field, value, LABEL_MSG));
  return out;
}

/** validation.IsValidPortName. */
export function portNameErrors(name: string): string[] {
  const out: string[] = [];
  if (name.length > 15) out.push("must be no more than 15 characters");
  if (!/^[-a-z0-9]+$/.test(name)) out.push("must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)");
  if (!/[a-z]/.test(name)) out.push("must contain at least one letter (a-z)");
  if (name.includes("--")) out.push("must not contain consecutive hyphens (-)");
  if (name.length > 0 && (name.startsWith("-") || name.endsWith("-")))
    out.push("must not begin or end with a hyphen (-)");
  return out;
}

function validPort(n: number): boolean {
  return Number.isInteger(n) && n >= 1 && n <= 65535;
}

function configKeyErrors(key: string): string[] {
  const out: string[] = [];
  if (key.length > 253) out.push("must be no more than 253 characters");
  if (!CONFIG_KEY.test(key)) out.push(CONFIG_KEY_MSG);
  if (key === ".") out.push("must not be '.'");
  else if (key === "..") out.push("must not be '..'");
  else if (key.startsWith("..")) out.push("must not start with '..'");
  return out;
}

function validateLabels(labels: JsonObject | undefined, field: string): Errs {
  const out: Errs = [];
  for (const [k, v] of Object.entries(labels ?? {})) {
    const keyErr = validateQualifiedName(k);
    if (keyErr) out.push(invalid(field, k, keyErr));
    const value = str(v);
    if (value.length > 63) out.push(invalid(field, value, "must be no more than 63 characters"));
    if (!LABEL_VALUE.test(value)) out.push(invalid(field, value, LABEL_VALUE_MSG));
  }
  return out;
}

function validateLabelSelector(sel: JsonObject, field: string): Errs {
  const out = validateLabels(obj(sel["matchLabels"]), `${field}.matchLabels`);
  list(sel["matchExpressions"]).forEach((e, i) => {
    const req = obj(e) ?? {};
    const p = `${field}.matchExpressions[${i}]`;
    const op = str(req["operator"]);
    const values = list(req["values"]);
    if (op === "In" || op === "NotIn") {
      if (values.length === 0)
        out.push(required(`${p}.values`, "must be specified when `operator` is 'In' or 'NotIn'"));
    } else if (op === "Exists" || op === "DoesNotExist") {
      if (values.length > 0)
        out.push({
          type: "FieldValueForbidden",
          field: `${p}.values`,
          detail: "may not be specified when `operator` is 'Exists' or 'DoesNotExist'",
          omitValue: true,
        });
    } else {
      out.push(invalid(`${p}.operator`, op, "not a valid selector operator"));
    }
    const keyErr = validateQualifiedName(str(req["key"]));
    if (keyErr) out.push(invalid(`${p}.key`, str(req["key"]), keyErr));
  });
  return out;
}

function validateContainer(c: JsonObject, p: string, volumes: Set<string>, ports: boolean): Errs {
  const out: Errs = [];
  const name = str(c["name"]);
  if (name !== "") out.push(...dnsLabel(`${p}.name`, name));
  if (ports) {
    const names = new Set<string>();
    list(c["ports"]).forEach((port, i) => {
      const pp = `${p}.ports[${i}]`;
      const po = obj(port) ?? {};
      const pn = str(po["name"]);
      if (pn !== "") {
        const msgs = portNameErrors(pn);
        for (const m of msgs) out.push(invalid(`${pp}.name`, pn, m));
        if (msgs.length === 0) {
          if (names.has(pn)) out.push({ type: "FieldValueDuplicate", field: `${pp}.name`, value: pn, detail: "" });
          names.add(pn);
        }
      }
      const cp = num(po["containerPort"]);
      if (cp === 0) out.push(required(`${pp}.containerPort`));
      else if (!validPort(cp)) out.push(invalid(`${pp}.containerPort`, cp, PORT_RANGE));
      const hp = num(po["hostPort"]);
      if (hp !== 0 && !validPort(hp)) out.push(invalid(`${pp}.hostPort`, hp, PORT_RANGE));
      const proto = str(po["protocol"]);
      if (proto === "") out.push(required(`${pp}.protocol`));
      else if (!PROTOCOLS.includes(proto)) out.push(notSupported(`${pp}.protocol`, proto, PROTOCOLS));
    });
  }
  list(c["volumeMounts"]).forEach((m, i) => {
    const mo = obj(m) ?? {};
    const vn = str(mo["name"]);
    if (vn !== "" && !volumes.has(vn))
      out.push({ type: "FieldValueNotFound", field: `${p}.volumeMounts[${i}].name`, value: vn, detail: "" });
  });
  const resources = obj(c["resources"]);
  const limits = obj(resources?.["limits"]);
  const requests = obj(resources?.["requests"]);
  for (const [res, q] of Object.entries(requests ?? {})) {
    const limit = limits?.[res];
    if (limit === undefined || (typeof q !== "string" && typeof q !== "number")) continue;
    const rv = quantityValue(String(q));
    const lv = quantityValue(String(limit));
    if (rv !== undefined && lv !== undefined && rv > lv) {
      out.push(
        invalid(
          `${p}.resources.requests[${res}]`,
          String(q),
          `must be less than or equal to ${res} limit of ${String(limit)}`,
        ),
      );
    }
  }
  return out;
}

/** ValidatePodSpec (the parts users hit): containers, names, ports, volumes, restart policy. */
function validatePodSpec(spec: JsonObject, p: string): Errs {
  const out: Errs = [];
  const volumes = new Set<string>();
  list(spec["volumes"]).forEach((v, i) => {
    const name = str(obj(v)?.["name"]);
    if (name === "") return;
    out.push(...dnsLabel(`${p}.volumes[${i}].name`, name));
    if (volumes.has(name))
      out.push({ type: "FieldValueDuplicate", field: `${p}.volumes[${i}].name`, value: name, detail: "" });
    volumes.add(name);
  });
  const containers = list(spec["containers"]);
  if (containers.length === 0) out.push(required(`${p}.containers`));
  const names = new Set<string>();
  const check = (kind: string, items: JsonValue[], needImage: boolean) => {
    items.forEach((c, i) => {
      const co = obj(c) ?? {};
      const cp = `${p}.${kind}[${i}]`;
      out.push(...validateContainer(co, cp, volumes, true));
      const name = str(co["name"]);
      if (name !== "") {
        if (names.has(name)) out.push({ type: "FieldValueDuplicate", field: `${cp}.name`, value: name, detail: "" });
        names.add(name);
      }
      if (needImage && str(co["image"]) === "") out.push(required(`${cp}.image`));
    });
  };
  check("initContainers", list(spec["initContainers"]), true);
  check("containers", containers, true);
  const rp = str(spec["restartPolicy"]);
  if (rp !== "" && !["Always", "OnFailure", "Never"].includes(rp)) {
    out.push({
      type: "FieldValueNotSupported",
      field: `${p}.restartPolicy`,
      value: rp,
      detail: 'supported values: "Always", "OnFailure", "Never"',
    });
  }
  return out;
}

function validatePodTemplate(template: JsonObject | undefined, p: string): Errs {
  if (!template) return [required(p)];
  const meta = obj(template["metadata"]);
  const out = validateLabels(obj(meta?.["labels"]), `${p}.metadata.labels`);
  out.push(...validatePodSpec(obj(template["spec"]) ?? {}, `${p}.spec`));
  return out;
}

const EMPTY_SELECTOR =
  "v1.LabelSelector{MatchLabels:map[string]string(nil), MatchExpressions:[]v1.LabelSelectorRequirement(nil)}";

/** Selector, template labels and restart policy of Deployments, ReplicaSets, StatefulSets and DaemonSets. */
function validateWorkloadSpec(spec: JsonObject, kindWord: string, hasReplicas: boolean): Errs {
  const out: Errs = [];
  if (hasReplicas && num(spec["replicas"]) < 0)
    out.push(invalid("spec.replicas", num(spec["replicas"]), "must be greater than or equal to 0"));
  const selector = obj(spec["selector"]);
  const template = obj(spec["template"]);
  if (!selector) {
    out.push(required("spec.selector"));
  } else {
    out.push(...validateLabelSelector(selector, "spec.selector"));
    const empty = Object.keys(obj(selector["matchLabels"]) ?? {}).length + list(selector["matchExpressions"]).length;
    if (empty === 0)
      out.push(invalid("spec.selector", {}, `empty selector is invalid for ${kindWord}`, EMPTY_SELECTOR));
  }
  if (template) {
    const labels = obj(obj(template["metadata"])?.["labels"]);
    const sel = selector ? labelSelectorFromObject(selector) : undefined;
    if (sel && sel.length > 0 && !matchesLabels(sel, (labels ?? {}) as Record<string, string>)) {
      out.push(
        invalid(
          "spec.template.metadata.labels",
          labels ?? {},
          "`selector` does not match template `labels`",
          goStringMap(labels),
        ),
      );
    }
    out.push(...validatePodTemplate(template, "spec.template"));
    const rp = str(obj(template["spec"])?.["restartPolicy"]);
    if (rp !== "" && rp !== "Always") out.push(notSupported("spec.template.spec.restartPolicy", rp, ["Always"]));
  } else {
    out.push(required("spec.template"));
  }
  return out;
}

function validateJobSpec(spec: JsonObject, p: string): Errs {
  const out: Errs = [];
  for (const f of ["parallelism", "completions", "backoffLimit", "activeDeadlineSeconds"]) {
    if (typeof spec[f] === "number" && (spec[f] as number) < 0)
      out.push(invalid(`${p}.${f}`, spec[f] as number, "must be greater than or equal to 0"));
  }
  const template = obj(spec["template"]);
  out.push(...validatePodTemplate(template, `${p}.template`));
  const rp = str(obj(template?.["spec"])?.["restartPolicy"]);
  if (rp !== "OnFailure" && rp !== "Never")
    out.push(required(`${p}.template.spec.restartPolicy`, 'valid values: "OnFailure", "Never"'));
  return out;
}

const SERVICE_TYPES = ["ClusterIP", "ExternalName", "LoadBalancer", "NodePort"];

function validateService(spec: JsonObject): Errs {
  const out: Errs = [];
  const type = str(spec["type"]);
  if (type !== "" && !SERVICE_TYPES.includes(type)) out.push(notSupported("spec.type", type, SERVICE_TYPES));
  const ports = list(spec["ports"]);
  if (ports.length === 0 && spec["clusterIP"] !== "None" && type !== "ExternalName") out.push(required("spec.ports"));
  const names = new Set<string>();
  ports.forEach((port, i) => {
    const po = obj(port) ?? {};
    const p = `spec.ports[${i}]`;
    const name = str(po["name"]);
    if (ports.length > 1 && name === "") out.push(required(`${p}.name`));
    else if (name !== "") {
      out.push(...dnsLabel(`${p}.name`, name));
      if (names.has(name)) out.push({ type: "FieldValueDuplicate", field: `${p}.name`, value: name, detail: "" });
      names.add(name);
    }
    const n = num(po["port"]);
    if (!validPort(n)) out.push(invalid(`${p}.port`, n, PORT_RANGE));
    const proto = str(po["protocol"]);
    if (proto === "") out.push(required(`${p}.protocol`));
    else if (!PROTOCOLS.includes(proto)) out.push(notSupported(`${p}.protocol`, proto, PROTOCOLS));
    const target = po["targetPort"];
    if (typeof target === "number" && !validPort(target)) out.push(invalid(`${p}.targetPort`, target, PORT_RANGE));
    if (typeof target === "string")
      for (const m of portNameErrors(target)) out.push(invalid(`${p}.targetPort`, target, m));
    const nodePort = num(po["nodePort"]);
    if (nodePort !== 0) {
      if (type === "ClusterIP" || type === "") {
        out.push({
          type: "FieldValueForbidden",
          field: `${p}.nodePort`,
          detail: "may not be used when `type` is 'ClusterIP'",
          omitValue: true,
        });
      } else if (!validPort(nodePort)) out.push(invalid(`${p}.nodePort`, nodePort, PORT_RANGE));
    }
  });
  const selector = obj(spec["selector"]);
  if (selector) out.push(...validateLabels(selector, "spec.selector"));
  return out;
}

function base64Length(v: JsonValue | undefined): number {
  const s = str(v).replace(/[\r\n]/g, "");
  return Math.floor((s.length * 3) / 4) - (s.endsWith("==") ? 2 : s.endsWith("=") ? 1 : 0);
}

function validateSecret(secret: JsonObject): Errs {
  const out: Errs = [];
  const data = obj(secret["data"]) ?? {};
  let total = 0;
  for (const [k, v] of Object.entries(data)) {
    for (const m of configKeyErrors(k)) out.push(invalid(`data[${k}]`, k, m));
    total += base64Length(v);
  }
  if (total > MAX_SECRET_SIZE)
    out.push({
      type: "FieldValueTooLong",
      field: "data",
      detail: `must have at most ${MAX_SECRET_SIZE} bytes`,
      omitValue: true,
    });
  const needs: Record<string, string[]> = {
    "kubernetes.io/tls": ["tls.crt", "tls.key"],
    "kubernetes.io/dockerconfigjson": [".dockerconfigjson"],
    "kubernetes.io/dockercfg": [".dockercfg"],
    "kubernetes.io/ssh-auth": ["ssh-privatekey"],
  };
  for (const key of needs[str(secret["type"])] ?? []) if (data[key] === undefined) out.push(required(`data[${key}]`));
  if (
    str(secret["type"]) === "kubernetes.io/basic-auth" &&
    data["username"] === undefined &&
    data["password"] === undefined
  ) {
    out.push(required("data[username]"));
    out.push(required("data[password]"));
  }
  return out;
}

function validateConfigMap(cm: JsonObject): Errs {
  const out: Errs = [];
  const data = obj(cm["data"]) ?? {};
  const binary = obj(cm["binaryData"]) ?? {};
  for (const k of Object.keys(data)) {
    for (const m of configKeyErrors(k)) out.push(invalid(`data[${k}]`, k, m));
    if (binary[k] !== undefined) out.push(invalid(`data[${k}]`, k, "duplicate of key present in binaryData"));
  }
  for (const k of Object.keys(binary)) {
    for (const m of configKeyErrors(k)) out.push(invalid(`binaryData[${k}]`, k, m));
    if (data[k] !== undefined) out.push(invalid(`binaryData[${k}]`, k, "duplicate of key present in data"));
  }
  return out;
}

/**
 * Validates an object of a built-in kind as kube-apiserver's kind-specific validation does (after defaults):
 * workload selectors against template labels, containers (names, images, ports, volume mounts, resources),
 * Service ports and types, Secret and ConfigMap keys, Job restart policies. Status-only writes are not checked.
 */
export function validateBuiltinObject(rt: ResourceType, object: JsonObject, subresource?: string): FieldError[] {
  if (subresource === "status") return [];
  const spec = obj(object["spec"]) ?? {};
  switch (`${rt.group}/${rt.kind}`) {
    case "apps/Deployment":
      return validateWorkloadSpec(spec, "deployment", true);
    case "apps/ReplicaSet":
      return validateWorkloadSpec(spec, "replicaset", true);
    case "apps/StatefulSet":
      return validateWorkloadSpec(spec, "statefulset", true);
    case "apps/DaemonSet":
      return validateWorkloadSpec(spec, "daemonset", false);
    case "batch/Job":
      return validateJobSpec(spec, "spec");
    case "batch/CronJob": {
      const out: Errs = [];
      if (str(spec["schedule"]) === "") out.push(required("spec.schedule"));
      const jobSpec = obj(obj(spec["jobTemplate"])?.["spec"]);
      if (jobSpec) out.push(...validateJobSpec(jobSpec, "spec.jobTemplate.spec"));
      return out;
    }
    case "/Pod":
      return validatePodSpec(spec, "spec");
    case "/Service":
      return validateService(spec);
    case "/Secret":
      return validateSecret(object);
    case "/ConfigMap":
      return validateConfigMap(object);
    default:
      return [];
  }
}
