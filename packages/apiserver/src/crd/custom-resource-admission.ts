import type { AdmissionRequest, ObjectAdmission } from "../api/object-admission.js";
import { badRequest, type FieldError } from "../errors.js";
import type { ResourceType } from "../resources/resource-type.js";
import { type TypeNode, UNTYPED } from "../schema/type-node.js";
import { isObject, type JsonObject } from "../util/json.js";
import type { KubeObject } from "../util/meta.js";
import { validateCelRules } from "./cel-rules.js";
import { schemaToTypeNode } from "./schema-type-node.js";
import { applyDefaults, pruneUnknown, validateSchema } from "./structural-schema.js";

interface VersionSchema {
  schema: JsonObject | undefined;
  type: TypeNode;
}

/** The schemas of every served CRD version, keyed by CRD name and version. */
export class CrdSchemas {
  private readonly byCrd = new Map<string, Map<string, VersionSchema>>();

  /** Replaces the schemas of a CRD. */
  set(crdName: string, versions: { name: string; schema: JsonObject | undefined }[]): void {
    const m = new Map<string, VersionSchema>();
    for (const v of versions) m.set(v.name, { schema: v.schema, type: schemaToTypeNode(v.schema) });
    this.byCrd.set(crdName, m);
  }

  /** Forgets a CRD. */
  delete(crdName: string): void {
    this.byCrd.delete(crdName);
  }

  /** The schema of a served version. */
  get(crdName: string, version: string): VersionSchema | undefined {
    return this.byCrd.get(crdName)?.get(version);
  }
}

/**
 * Admission for custom resources: prunes unknown fields (400 for Strict field validation, a warning for Warn),
 * applies schema defaults, validates the structural schema and the `x-kubernetes-validations` CEL rules.
 * Writes to the status subresource are validated on the status part only.
 */
export class CustomResourceAdmission implements ObjectAdmission {
  constructor(private readonly schemas: CrdSchemas) {}

  admit(req: AdmissionRequest): FieldError[] {
    const { rt, object } = req;
    const vs = rt.crdName ? this.schemas.get(rt.crdName, rt.version) : undefined;
    const schema = vs?.schema;
    if (!schema) return [];
    const unknown: string[] = [];
    const pruned = pruneUnknown(object, schema, "", unknown, true) as KubeObject;
    if (unknown.length > 0) {
      if (req.fieldValidation === "Strict") {
        const list = unknown.map((u) => `unknown field "${u}"`).join(", ");
        throw badRequest(
          `${rt.kind} in version "${rt.version}" cannot be handled as a ${rt.kind}: strict decoding error: ${list}`,
        );
      }
      if (req.fieldValidation === "Warn") for (const u of unknown) req.warnings.push(`unknown field "${u}"`);
    }
    const defaulted = applyDefaults(pruned, schema) as KubeObject;
    for (const k of Object.keys(object)) delete object[k];
    Object.assign(object, defaulted);
    const errors: FieldError[] = [];
    const onlyStatus = req.subresource === "status";
    const props = isObject(schema["properties"]) ? (schema["properties"] as JsonObject) : {};
    for (const [k, v] of Object.entries(object)) {
      if (k === "apiVersion" || k === "kind" || k === "metadata") continue;
      if (onlyStatus && k !== "status") continue;
      if (!onlyStatus && rt.hasStatus && k === "status") continue;
      const sub = isObject(props[k]) ? (props[k] as JsonObject) : undefined;
      validateSchema(v, sub, k, errors);
    }
    const required = schema["required"];
    if (Array.isArray(required)) {
      for (const r of required) {
        if (typeof r === "string" && object[r] === undefined && !(rt.hasStatus && r === "status")) {
          errors.push({ type: "FieldValueRequired", field: r, omitValue: true, detail: "" });
        }
      }
    }
    if (errors.length === 0) {
      const view: JsonObject = {};
      const oldView: JsonObject = {};
      for (const [k, v] of Object.entries(object)) {
        if (onlyStatus ? k === "status" : !(rt.hasStatus && k === "status")) view[k] = v;
      }
      if (req.old) {
        for (const [k, v] of Object.entries(req.old)) {
          if (onlyStatus ? k === "status" : !(rt.hasStatus && k === "status")) oldView[k] = v;
        }
      }
      const rootRules = schema["x-kubernetes-validations"];
      const scoped: JsonObject = { ...schema };
      if (onlyStatus && Array.isArray(rootRules)) delete scoped["x-kubernetes-validations"];
      validateCelRules(view, req.old ? oldView : undefined, scoped, "", errors);
    }
    return errors;
  }

  typeOf(rt: ResourceType): TypeNode {
    return (rt.crdName ? this.schemas.get(rt.crdName, rt.version)?.type : undefined) ?? UNTYPED;
  }
}
