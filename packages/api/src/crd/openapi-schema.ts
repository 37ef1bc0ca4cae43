import type { KindDefinition } from "../meta/kind.js";

/** A plain JSON (OpenAPI v3 structural) schema object. */
export type JsonSchema = { [key: string]: unknown };

/** Strips TypeBox's symbol markers, leaving the plain JSON schema TypeBox built. */
export function toPlainSchema(schema: unknown): JsonSchema {
  return JSON.parse(JSON.stringify(schema)) as JsonSchema;
}

/**
 * The `openAPIV3Schema` of a kind's CRD: apiVersion, kind, metadata, spec and status, with Flux's
 * `status.default: {observedGeneration: -1}` and the root validations.
 */
export function openApiSchemaFor(def: KindDefinition): JsonSchema {
  const properties: JsonSchema = {
    apiVersion: {
      description:
        "APIVersion defines the versioned schema of this representation of an object.\nServers should convert recognized schemas to the latest internal value, and\nmay reject unrecognized values.\nMore info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#resources",
      type: "string",
    },
    kind: {
      description:
        "Kind is a string value representing the REST resource this object represents.\nServers may infer this from the endpoint the client submits requests to.\nCannot be updated.\nIn CamelCase.\nMore info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#types-kinds",
      type: "string",
    },
    metadata: { type: "object" },
    spec: toPlainSchema(def.spec),
  };
  if (def.status) {
    const status = toPlainSchema(def.status);
    const statusProps = status["properties"] as JsonSchema | undefined;
    if (statusProps && "observedGeneration" in statusProps) status["default"] = { observedGeneration: -1 };
    properties["status"] = status;
  }
  const schema: JsonSchema = { description: def.description, type: "object", properties };
  if (def.specRequired) schema["required"] = ["spec"];
  if (def.rootValidations.length > 0) schema["x-kubernetes-validations"] = def.rootValidations;
  return schema;
}
