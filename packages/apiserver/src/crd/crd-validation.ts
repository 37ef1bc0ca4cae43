import type { AdmissionRequest } from "../api/object-admission.js";
import type { FieldError } from "../errors.js";
import { getPath, isObject, type JsonObject } from "../util/json.js";
import { checkCelRules } from "./cel-rules.js";

const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const KIND_RE = /^[A-Za-z][A-Za-z0-9]*$/;

function defaultCrd(crd: JsonObject): void {
  const spec = isObject(crd["spec"]) ? crd["spec"] : undefined;
  if (!spec) return;
  const names = isObject(spec["names"]) ? spec["names"] : undefined;
  if (names && typeof names["kind"] === "string") {
    if (names["singular"] === undefined) names["singular"] = names["kind"].toLowerCase();
    if (names["listKind"] === undefined) names["listKind"] = `${names["kind"]}List`;
  }
  if (spec["conversion"] === undefined) spec["conversion"] = { strategy: "None" };
  const versions = spec["versions"];
  if (Array.isArray(versions)) {
    for (const v of versions) {
      if (isObject(v) && v["served"] === undefined) v["served"] = true;
    }
  }
}

/**
 * Validates (and defaults) a CustomResourceDefinition as kube-apiserver does before storing it: name matches
 * `<plural>.<group>`, names, scope, exactly one storage version, a schema per version, CEL rules compile.
 */
export function admitCrd(req: AdmissionRequest): FieldError[] {
  const { rt, object } = req;
  if (rt.group !== "apiextensions.k8s.io" || rt.kind !== "CustomResourceDefinition") return [];
  if (req.subresource === "status") return [];
  defaultCrd(object);
  const errors: FieldError[] = [];
  const spec = isObject(object["spec"]) ? object["spec"] : {};
  const group = spec["group"];
  const plural = getPath(spec, ["names", "plural"]);
  const kind = getPath(spec, ["names", "kind"]);
  const name = object.metadata["name"];
  if (typeof group !== "string" || group === "") {
    errors.push({ type: "FieldValueRequired", field: "spec.group", omitValue: true, detail: "" });
  } else if (!group.includes(".")) {
    errors.push({
      type: "FieldValueInvalid",
      field: "spec.group",
      value: group,
      detail: "should be a domain with at least one dot",
    });
  }
  if (typeof plural !== "string" || plural === "") {
    errors.push({ type: "FieldValueRequired", field: "spec.names.plural", omitValue: true, detail: "" });
  } else if (!DNS1123_LABEL.test(plural)) {
    errors.push({
      type: "FieldValueInvalid",
      field: "spec.names.plural",
      value: plural,
      detail:
        "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character",
    });
  }
  if (typeof kind !== "string" || kind === "") {
    errors.push({ type: "FieldValueRequired", field: "spec.names.kind", omitValue: true, detail: "" });
  } else if (!KIND_RE.test(kind)) {
    errors.push({
      type: "FieldValueInvalid",
      field: "spec.names.kind",
      value: kind,
      detail: "may have mixed case, but should otherwise match: [a-z]([-a-z0-9]*[a-z0-9])?",
    });
  }
  if (typeof plural === "string" && typeof group === "string" && name !== `${plural}.${group}`) {
    errors.push({
      type: "FieldValueInvalid",
      field: "metadata.name",
      value: name ?? "",
      detail: 'must be spec.names.plural+"."+spec.group',
    });
  }
  const scope = spec["scope"];
  if (scope !== "Namespaced" && scope !== "Cluster") {
    errors.push({
      type: "FieldValueNotSupported",
      field: "spec.scope",
      value: scope ?? "",
      detail: 'supported values: "Cluster", "Namespaced"',
    });
  }
  const versions = Array.isArray(spec["versions"]) ? spec["versions"].filter(isObject) : [];
  if (versions.length === 0) {
    errors.push({
      type: "FieldValueInvalid",
      field: "spec.versions",
      value: [],
      detail: "must have exactly one version marked as storage version",
    });
  } else {
    const storage = versions.filter((v) => v["storage"] === true).length;
    if (storage !== 1) {
      errors.push({
        type: "FieldValueInvalid",
        field: "spec.versions",
        value: versions.map((v) => v["name"] ?? ""),
        detail: "must have exactly one version marked as storage version",
      });
    }
    const seen = new Set<string>();
    versions.forEach((v, i) => {
      const vn = v["name"];
      if (typeof vn !== "string" || !DNS1123_LABEL.test(vn)) {
        errors.push({
          type: "FieldValueInvalid",
          field: `spec.versions[${i}].name`,
          value: vn ?? "",
          detail: "must be a valid DNS label",
        });
      } else if (seen.has(vn)) {
        errors.push({ type: "FieldValueDuplicate", field: `spec.versions[${i}].name`, value: vn, detail: "" });
      } else seen.add(vn);
      const schema = getPath(v, ["schema", "openAPIV3Schema"]);
      if (!isObject(schema)) {
        errors.push({
          type: "FieldValueRequired",
          field: `spec.versions[${i}].schema.openAPIV3Schema`,
          omitValue: true,
          detail: "schemas are required",
        });
        return;
      }
      if (schema["type"] !== "object") {
        errors.push({
          type: "FieldValueInvalid",
          field: `spec.versions[${i}].schema.openAPIV3Schema.type`,
          value: schema["type"] ?? "",
          detail: "must be object at the root",
        });
      }
      checkCelRules(schema, `spec.versions[${i}].schema.openAPIV3Schema`, errors);
    });
  }
  return errors;
}
