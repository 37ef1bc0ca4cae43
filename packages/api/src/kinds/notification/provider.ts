import { type Static, Type } from "@sinclair/typebox";
import { Duration } from "../../meta/duration.js";
import { defineKind, type ObjectOf } from "../../meta/kind.js";
import { LocalObjectReferenceSchema } from "../../meta/references.js";
import { StringEnum } from "../../meta/schema-helpers.js";
import { NOTIFICATION_GROUP, NOTIFICATION_V1BETA3, PROVIDER_TYPES } from "./constants.js";

/** Provider timeouts may not use hours. */
const PROVIDER_TIMEOUT_PATTERN = "^([0-9]+(\\.[0-9]+)?(ms|s|m))+$";

/** The desired state of a Provider: where and how notifications are sent. */
export const ProviderSpecSchema = Type.Object(
  {
    type: StringEnum(PROVIDER_TYPES, { description: "Provider implementation to send with." }),
    interval: Type.Optional(Duration({ description: "Deprecated and unused in v1beta3." })),
    channel: Type.Optional(Type.String({ maxLength: 2048, description: "Destination channel." })),
    username: Type.Optional(Type.String({ maxLength: 2048, description: "Name events are posted as." })),
    address: Type.Optional(
      Type.String({ maxLength: 2048, description: "Endpoint to send to; its meaning depends on the type." }),
    ),
    timeout: Type.Optional(
      Type.String({ pattern: PROVIDER_TIMEOUT_PATTERN, description: "Timeout for sending; 15s if unset." }),
    ),
    proxy: Type.Optional(
      Type.String({
        maxLength: 2048,
        pattern: "^(http|https)://.*$",
        description: "Deprecated: HTTP/S proxy address; use proxySecretRef.",
      }),
    ),
    proxySecretRef: Type.Optional(LocalObjectReferenceSchema),
    secretRef: Type.Optional(LocalObjectReferenceSchema),
    serviceAccountName: Type.Optional(
      Type.String({
        description: "Service account for cloud workload identity (azureeventhub, azuredevops, googlepubsub).",
      }),
    ),
    certSecretRef: Type.Optional(LocalObjectReferenceSchema),
    suspend: Type.Optional(Type.Boolean({ description: "Stop sending events through this provider." })),
    commitStatusExpr: Type.Optional(
      Type.String({ description: "CEL expression (over event, provider, alert) giving a custom commit status." }),
    ),
  },
  {
    description: "ProviderSpec: the destination of notifications.",
    "x-kubernetes-validations": [
      {
        rule: "self.type == 'github' || self.type == 'gitlab' || self.type == 'gitea' || self.type == 'bitbucketserver' || self.type == 'bitbucket' || self.type == 'azuredevops' || !has(self.commitStatusExpr)",
        message:
          "spec.commitStatusExpr is only supported for the 'github', 'gitlab', 'gitea', 'bitbucketserver', 'bitbucket', 'azuredevops' provider types",
      },
    ],
  },
);
/** `spec` of a Provider. */
export type ProviderSpec = Static<typeof ProviderSpecSchema>;

/** The Provider kind (notification.toolkit.fluxcd.io/v1beta3): a static object without status. */
export const ProviderKind = defineKind({
  group: NOTIFICATION_GROUP,
  version: NOTIFICATION_V1BETA3,
  kind: "Provider",
  plural: "providers",
  singular: "provider",
  categories: ["all", "fluxcd", "fluxcd-notifications"],
  description: "Provider describes where notifications are sent (chat, webhook, Git commit status, …).",
  spec: ProviderSpecSchema,
  printerColumns: [{ name: "Age", type: "date", jsonPath: ".metadata.creationTimestamp" }],
});

/** A Provider object. */
export type Provider = ObjectOf<typeof ProviderKind>;
