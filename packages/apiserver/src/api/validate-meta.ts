import type { FieldError } from "../errors.js";
import type { ResourceType } from "../resources/resource-type.js";
import { isObject, type JsonObject } from "../util/json.js";

export const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
export const LABEL_NAME = /^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;
export const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;

const SUBDOMAIN_MSG =
  "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";
export const LABEL_MSG =
  "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')";

/** Resources whose names must be DNS-1123 labels rather than subdomains. */
const LABEL_NAMED = new Set(["/namespaces", "/services"]);
/** Resources whose names only need to be valid path segments. */
const PATH_SEGMENT_NAMED = new Set([
  "rbac.authorization.k8s.io/roles",
  "rbac.authorization.k8s.io/rolebindings",
  "rbac.authorization.k8s.io/clusterroles",
  "rbac.authorization.k8s.io/clusterrolebindings",
]);

/** Validates an object name for a resource; returns the detail messages (empty when valid). */
export function validateName(rt: ResourceType, name: string): string[] {
  const key = `${rt.group}/${rt.resource}`;
  if (PATH_SEGMENT_NAMED.has(key)) {
    if (name === "." || name === "..") return [`may not be '${name}'`];
    if (name.includes("/")) return ["may not contain '/'"];
    if (name.includes("%")) return ["may not contain '%'"];
    return [];
  }
  if (LABEL_NAMED.has(key)) {
    const out: string[] = [];
    if (name.length > 63) out.push("must be no more than 63 characters");
    if (!DNS1123_LABEL.test(name)) out.push(LABEL_MSG);
    return out;
  }
  const out: string[] = [];
  if (name.length > 253) out.push("must be no more than 253 characters");
  if (!DNS1123_SUBDOMAIN.test(name)) out.push(SUBDOMAIN_MSG);
  return out;
}

export function validateQualifiedName(key: string): string | undefined {
  const slash = key.lastIndexOf("/");
  const name = slash < 0 ? key : key.slice(slash + 1);
  const prefix = slash < 0 ? "" : key.slice(0, slash);
  if (prefix !== "" && (prefix.length > 253 || !DNS1123_SUBDOMAIN.test(prefix))) {
    return "prefix part " + SUBDOMAIN_MSG;
  }
  if (name.length === 0 || name.length > 63 || !LABEL_NAME.test(name)) {
    return "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')";
  }
  return undefined;
}

/** Validates metadata of an object to be stored: name, labels, annotations, finalizers, owner references. */
export function validateObjectMeta(rt: ResourceType, obj: JsonObject): FieldError[] {
  const errors: FieldError[] = [];
  const meta = isObject(obj["metadata"]) ? obj["metadata"] : {};
  const name = meta["name"];
  if (typeof name !== "string" || name === "") {
    errors.push({
      type: "FieldValueRequired",
      field: "metadata.name",
      detail: "name or generateName is required",
      omitValue: true,
    });
  } else {
    for (const msg of validateName(rt, name)) {
      errors.push({ type: "FieldValueInvalid", field: "metadata.name", value: name, detail: msg });
    }
  }
  const labels = meta["labels"];
  if (isObject(labels)) {
    for (const [k, v] of Object.entries(labels)) {
      const keyErr = validateQualifiedName(k);
      if (keyErr) errors.push({ type: "FieldValueInvalid", field: "metadata.labels", value: k, detail: keyErr });
      if (typeof v !== "string" || v.length > 63 || !LABEL_VALUE.test(v)) {
        errors.push({
          type: "FieldValueInvalid",
          field: `metadata.labels`,
          value: v,
          detail:
            "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')",
        });
      }
    }
  }
  const annotations = meta["annotations"];
  if (isObject(annotations)) {
    let total = 0;
    for (const [k, v] of Object.entries(annotations)) {
      const keyErr = validateQualifiedName(k);
      if (keyErr) errors.push({ type: "FieldValueInvalid", field: "metadata.annotations", value: k, detail: keyErr });
      total += k.length + (typeof v === "string" ? v.length : 0);
    }
    if (total > 256 * 1024) {
      errors.push({
        type: "FieldValueTooLong",
        field: "metadata.annotations",
        detail: "must have at most 262144 bytes",
        omitValue: true,
      });
    }
  }
  const owners = meta["ownerReferences"];
  if (Array.isArray(owners)) {
    let controllers = 0;
    owners.forEach((o, i) => {
      if (!isObject(o)) return;
      for (const f of ["apiVersion", "kind", "name", "uid"]) {
        if (typeof o[f] !== "string" || o[f] === "") {
          errors.push({
            type: "FieldValueInvalid",
            field: `metadata.ownerReferences[${i}].${f}`,
            value: o[f] ?? "",
            detail: `${f} must not be empty`,
          });
        }
      }
      if (o["controller"] === true) controllers++;
    });
    if (controllers > 1) {
      errors.push({
        type: "FieldValueInvalid",
        field: "metadata.ownerReferences",
        value: owners,
        detail: "Only one reference can have Controller set to true",
      });
    }
  }
  return errors;
}
