// Validation and defaulting of the RBAC kinds as kube-apiserver's rbac validation does it: rules need verbs
// and either resources with API groups or non-resource URLs (cluster roles only); bindings need a known role
// kind and subjects of known kinds; a binding's roleRef cannot change.

import type { AdmissionRequest } from "../api/object-admission.js";
import type { FieldError } from "../errors.js";
import { isObject, type JsonObject, type JsonValue } from "../util/json.js";

const GROUP = "rbac.authorization.k8s.io";

function goStrings(v: JsonValue | undefined): string {
  const list = Array.isArray(v) ? v : [];
  return `[]string{${list.map((s) => JSON.stringify(String(s))).join(", ")}}`;
}

function count(v: JsonValue | undefined): number {
  return Array.isArray(v) ? v.length : 0;
}

function str(v: JsonValue | undefined): string {
  return typeof v === "string" ? v : "";
}

function validateRule(rule: JsonObject, namespaced: boolean, path: string): FieldError[] {
  const errors: FieldError[] = [];
  if (count(rule["verbs"]) === 0) {
    errors.push({
      type: "FieldValueRequired",
      field: `${path}.verbs`,
      detail: "verbs must contain at least one value",
      omitValue: true,
    });
  }
  if (count(rule["nonResourceURLs"]) > 0) {
    const valueText = goStrings(rule["nonResourceURLs"]);
    if (namespaced) {
      errors.push({
        type: "FieldValueInvalid",
        field: `${path}.nonResourceURLs`,
        valueText,
        detail: "namespaced rules cannot apply to non-resource URLs",
      });
    }
    if (count(rule["apiGroups"]) > 0 || count(rule["resources"]) > 0 || count(rule["resourceNames"]) > 0) {
      errors.push({
        type: "FieldValueInvalid",
        field: `${path}.nonResourceURLs`,
        valueText,
        detail: "rules cannot apply to both regular resources and non-resource URLs",
      });
    }
    return errors;
  }
  if (count(rule["apiGroups"]) === 0) {
    errors.push({
      type: "FieldValueRequired",
      field: `${path}.apiGroups`,
      detail: "resource rules must supply at least one api group",
      omitValue: true,
    });
  }
  if (count(rule["resources"]) === 0) {
    errors.push({
      type: "FieldValueRequired",
      field: `${path}.resources`,
      detail: "resource rules must supply at least one resource",
      omitValue: true,
    });
  }
  return errors;
}

function notSupported(field: string, value: string, supported: string[]): FieldError {
  return {
    type: "FieldValueNotSupported",
    field,
    value,
    detail: `supported values: ${supported.map((s) => JSON.stringify(s)).join(", ")}`,
  };
}

function validateSubject(s: JsonObject, namespaced: boolean, path: string): FieldError[] {
  const errors: FieldError[] = [];
  if (str(s["name"]) === "")
    errors.push({ type: "FieldValueRequired", field: `${path}.name`, detail: "", omitValue: true });
  const kind = str(s["kind"]);
  const apiGroup = str(s["apiGroup"]);
  if (kind === "ServiceAccount") {
    if (apiGroup !== "") errors.push(notSupported(`${path}.apiGroup`, apiGroup, [""]));
    if (!namespaced && str(s["namespace"]) === "") {
      errors.push({ type: "FieldValueRequired", field: `${path}.namespace`, detail: "", omitValue: true });
    }
  } else if (kind === "User" || kind === "Group") {
    if (apiGroup !== GROUP) errors.push(notSupported(`${path}.apiGroup`, apiGroup, [GROUP]));
  } else {
    errors.push(notSupported(`${path}.kind`, kind, ["ServiceAccount", "User", "Group"]));
  }
  return errors;
}

function roleRefText(ref: JsonValue | undefined): string {
  const r = isObject(ref) ? ref : {};
  return `rbac.RoleRef{APIGroup:${JSON.stringify(str(r["apiGroup"]))}, Kind:${JSON.stringify(str(r["kind"]))}, Name:${JSON.stringify(str(r["name"]))}}`;
}

/**
 * Defaults the apiGroup of a binding's roleRef and of its User/Group subjects, as rbac/v1's SetDefaults_* do
 * while decoding (so before any validation).
 */
export function defaultRbacObject(req: AdmissionRequest): void {
  const { rt, object } = req;
  if (rt.group !== GROUP || (rt.kind !== "RoleBinding" && rt.kind !== "ClusterRoleBinding")) return;
  const ref = object["roleRef"];
  if (isObject(ref) && str(ref["apiGroup"]) === "") ref["apiGroup"] = GROUP;
  const subjects = Array.isArray(object["subjects"]) ? object["subjects"] : [];
  for (const s of subjects) {
    if (isObject(s) && str(s["apiGroup"]) === "" && (s["kind"] === "User" || s["kind"] === "Group"))
      s["apiGroup"] = GROUP;
  }
}

/** Validates RBAC objects as kube's rbac validation does. */
export function validateRbacObject(req: AdmissionRequest): FieldError[] {
  const { rt, object } = req;
  if (rt.group !== GROUP) return [];
  const errors: FieldError[] = [];
  if (rt.kind === "Role" || rt.kind === "ClusterRole") {
    const rules = Array.isArray(object["rules"]) ? object["rules"] : [];
    rules.forEach((r, i) => {
      if (isObject(r)) errors.push(...validateRule(r, rt.kind === "Role", `rules[${i}]`));
    });
    return errors;
  }
  if (rt.kind !== "RoleBinding" && rt.kind !== "ClusterRoleBinding") return [];
  const namespaced = rt.kind === "RoleBinding";
  const subjects = Array.isArray(object["subjects"]) ? object["subjects"] : [];
  subjects.forEach((s, i) => {
    if (isObject(s)) errors.push(...validateSubject(s, namespaced, `subjects[${i}]`));
  });
  const ref = isObject(object["roleRef"]) ? object["roleRef"] : {};
  if (str(ref["apiGroup"]) !== GROUP) errors.push(notSupported("roleRef.apiGroup", str(ref["apiGroup"]), [GROUP]));
  const kinds = namespaced ? ["Role", "ClusterRole"] : ["ClusterRole"];
  if (!kinds.includes(str(ref["kind"]))) errors.push(notSupported("roleRef.kind", str(ref["kind"]), kinds));
  if (str(ref["name"]) === "")
    errors.push({ type: "FieldValueRequired", field: "roleRef.name", detail: "", omitValue: true });
  if (req.operation === "update" && req.old && roleRefText(req.old["roleRef"]) !== roleRefText(object["roleRef"])) {
    errors.push({
      type: "FieldValueInvalid",
      field: "roleRef",
      valueText: roleRefText(object["roleRef"]),
      detail: "cannot change roleRef",
    });
  }
  return errors;
}
