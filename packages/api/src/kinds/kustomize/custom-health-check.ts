import { type Static, Type } from "@sinclair/typebox";

/** kustomize.CustomHealthCheck: CEL expressions computing the health of a custom resource kind. */
export const CustomHealthCheckSchema = Type.Object(
  {
    apiVersion: Type.String({ description: "apiVersion of the resources checked." }),
    kind: Type.Optional(Type.String({ description: "Kind of the resources checked." })),
    current: Type.String({ description: "CEL expression true when the resource reached its desired state." }),
    inProgress: Type.Optional(Type.String({ description: "CEL expression true while the resource is progressing." })),
    failed: Type.Optional(Type.String({ description: "CEL expression true when the resource failed." })),
  },
  { description: "Health check expressions for a custom resource kind." },
);
/** A `healthCheckExprs` entry. */
export type CustomHealthCheck = Static<typeof CustomHealthCheckSchema>;
