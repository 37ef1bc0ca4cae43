import type { FieldError } from "../errors.js";
import { type ApiError, badRequest } from "../errors.js";
import type { ResourceType } from "../resources/resource-type.js";
import { builtinDefinitionName } from "../schema/builtin-openapi.js";
import { builtinTypeOf } from "../schema/builtin-types.js";
import type { TypeNode } from "../schema/type-node.js";
import { applyBuiltinDefaults } from "./builtin-defaults.js";
import { pruneBuiltinFields } from "./builtin-fields.js";
import { checkBuiltinSchema, firstDecodeError, requiredFieldErrors } from "./builtin-schema-check.js";
import { validateBuiltinUpdate } from "./builtin-update-validation.js";
import { validateBuiltinObject } from "./builtin-validation.js";
import type { AdmissionRequest, ObjectAdmission } from "./object-admission.js";

/**
 * Admission for built-in kinds: decoding as into the Go types (unknown fields and nulls dropped; values checked
 * against the Kubernetes OpenAPI schema, a type or format error answers 400 with the decoder's text), the
 * defaults kube-apiserver applies, then validation (required fields, kind-specific rules, immutable fields on
 * update) answering 422; structure from the built-in type table.
 */
export class BuiltinAdmission implements ObjectAdmission {
  admit(req: AdmissionRequest): FieldError[] {
    const { rt, object } = req;
    const { object: pruned, unknown } = pruneBuiltinFields(rt.group, rt.version, rt.kind, object);
    if (unknown.length > 0) {
      if (req.fieldValidation === "Strict") {
        const list = unknown.map((u) => `unknown field "${u}"`).join(", ");
        throw badRequest(
          `${rt.kind} in version "${rt.version}" cannot be handled as a ${rt.kind}: strict decoding error: ${list}`,
        );
      }
      if (req.fieldValidation === "Warn") for (const u of unknown) req.warnings.push(`unknown field "${u}"`);
    }
    if (pruned !== object) {
      for (const k of Object.keys(object)) delete object[k];
      Object.assign(object, pruned);
    }
    const definition = builtinDefinitionName(rt.group, rt.version, rt.kind);
    const errors: FieldError[] = [];
    if (definition) {
      const issues = checkBuiltinSchema(object, definition, this.typeOf(rt), {
        checkRequired: req.subresource !== "status",
      });
      const decode = firstDecodeError(issues);
      if (decode !== undefined) throw decodeError(rt, decode);
      errors.push(...requiredFieldErrors(issues));
    }
    applyBuiltinDefaults(rt, object, req.old);
    // As kube's Validate<Kind>Update: immutable fields first, then the validation of the new object.
    if (req.operation === "update" && req.old) errors.push(...validateBuiltinUpdate(rt, object, req.old));
    errors.push(...validateBuiltinObject(rt, object, req.subresource));
    return errors;
  }

  typeOf(rt: ResourceType): TypeNode {
    return builtinTypeOf(rt.group, rt.kind);
  }
}

/** 400 for a body the Go types cannot hold, in kube-apiserver's words (transformDecodeError). */
export function decodeError(rt: ResourceType, message: string): ApiError {
  return badRequest(`${rt.kind} in version "${rt.version}" cannot be handled as a ${rt.kind}: ${message}`);
}

/** Routes admission to the CRD schema admission for custom resources and to built-in admission otherwise. */
export class CompositeAdmission implements ObjectAdmission {
  constructor(
    private readonly builtin: ObjectAdmission,
    private readonly custom: ObjectAdmission | undefined,
    private readonly extra: ((req: AdmissionRequest) => FieldError[])[] = [],
    /** Defaulting that happens while decoding, before the kind's admission (e.g. RBAC apiGroups). */
    private readonly decodeDefaults: ((req: AdmissionRequest) => void)[] = [],
  ) {}

  admit(req: AdmissionRequest): FieldError[] {
    for (const d of this.decodeDefaults) d(req);
    const errors = req.rt.crdName !== undefined && this.custom ? this.custom.admit(req) : this.builtin.admit(req);
    for (const check of this.extra) errors.push(...check(req));
    return errors;
  }

  typeOf(rt: ResourceType): TypeNode {
    return rt.crdName !== undefined && this.custom ? this.custom.typeOf(rt) : this.builtin.typeOf(rt);
  }
}
