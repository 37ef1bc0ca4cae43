import type { FieldError } from "../errors.js";
import type { ResourceType } from "../resources/resource-type.js";
import type { TypeNode } from "../schema/type-node.js";
import type { KubeObject } from "../util/meta.js";
import type { UserInfo } from "./request-context.js";

/** What an admission step sees of a write. */
export interface AdmissionRequest {
  rt: ResourceType;
  operation: "create" | "update";
  subresource?: string;
  object: KubeObject;
  old?: KubeObject;
  fieldValidation: "Strict" | "Warn" | "Ignore";
  warnings: string[];
  /** Who writes (escalation checks). */
  user?: UserInfo;
}

/**
 * Kind-specific defaulting, pruning and validation (built-in kinds, CRD schemas) plus the structure used by the
 * merge machinery. Mutates `object` in place and returns field errors (422 when non-empty).
 */
export interface ObjectAdmission {
  admit(req: AdmissionRequest): FieldError[];
  typeOf(rt: ResourceType): TypeNode;
}
