import { type Static, Type } from "@sinclair/typebox";
import { Conditions } from "../../meta/condition.js";
import { Duration } from "../../meta/duration.js";
import { defineKind, type ObjectOf } from "../../meta/kind.js";
import { LocalObjectReferenceSchema } from "../../meta/references.js";
import { StringEnum } from "../../meta/schema-helpers.js";
import { NOTIFICATION_GROUP, NOTIFICATION_V1, RECEIVER_TYPES } from "./constants.js";
import { crossNamespaceObjectReferenceProperties } from "./cross-namespace-object-reference.js";

/** A Receiver resource: objects to reconcile on a webhook, with an optional per-resource CEL filter. */
export const ReceiverResourceSchema = Type.Object(
  {
    ...crossNamespaceObjectReferenceProperties,
    filter: Type.Optional(
      Type.String({ description: "CEL expression over res and req (and claims) that must be true as well." }),
    ),
  },
  { description: "Objects to request a reconciliation of when the webhook fires." },
);
/** A `resources` entry. */
export type ReceiverResource = Static<typeof ReceiverResourceSchema>;

/** A named CEL expression over the OIDC token claims, exposed as `vars.<name>`. */
export const OidcVariableSchema = Type.Object(
  {
    name: Type.String({ description: "Variable name (a CEL identifier)." }),
    expression: Type.String({ description: "CEL expression giving the value." }),
  },
  { description: "A named CEL expression." },
);
/** An OIDC variable. */
export type OidcVariable = Static<typeof OidcVariableSchema>;

/** A CEL check on the OIDC token claims; its message is returned when false. */
export const OidcValidationSchema = Type.Object(
  {
    expression: Type.String({ description: "CEL boolean expression." }),
    message: Type.String({ description: "Message returned to the caller when the expression is false." }),
  },
  { description: "A CEL validation of token claims." },
);
/** An OIDC validation. */
export type OidcValidation = Static<typeof OidcValidationSchema>;

/** An OIDC issuer whose tokens authenticate requests to a generic-oidc Receiver. */
export const OidcProviderSchema = Type.Object(
  {
    issuerURL: Type.String({ pattern: "^https?://", description: "Issuer URL; must equal the token's iss claim." }),
    audience: Type.Optional(Type.String({ description: "Expected aud claim; notification-controller if unset." })),
    variables: Type.Optional(Type.Array(OidcVariableSchema, { description: "Variables evaluated in order." })),
    validations: Type.Array(OidcValidationSchema, {
      minItems: 1,
      description: "Checks that must all pass; they must constrain the caller's identity.",
    }),
  },
  { description: "OIDC issuer configuration." },
);
/** An `oidcProviders` entry. */
export type OidcProvider = Static<typeof OidcProviderSchema>;

/** The desired state of a Receiver: an incoming webhook that triggers reconciliations. */
export const ReceiverSpecSchema = Type.Object(
  {
    type: StringEnum(RECEIVER_TYPES, { description: "Webhook sender; selects validation and payload parsing." }),
    interval: Type.Optional(
      Duration({ default: "10m", description: "How often to reconcile the Receiver with its secret." }),
    ),
    events: Type.Optional(Type.Array(Type.String(), { description: "Event types to act on, e.g. push or Push Hook." })),
    resources: Type.Array(ReceiverResourceSchema, { description: "Objects to reconcile on a valid webhook." }),
    resourceFilter: Type.Optional(
      Type.String({ description: "CEL expression over res and req (and claims) deciding per resource." }),
    ),
    secretRef: Type.Optional(LocalObjectReferenceSchema),
    oidcProviders: Type.Optional(
      Type.Array(OidcProviderSchema, {
        description: "OIDC issuers for generic-oidc receivers.",
        "x-kubernetes-list-map-keys": ["issuerURL"],
        "x-kubernetes-list-type": "map",
      }),
    ),
    suspend: Type.Optional(Type.Boolean({ description: "Stop handling webhooks for this receiver." })),
  },
  {
    description: "ReceiverSpec: an incoming webhook and the objects it reconciles.",
    "x-kubernetes-validations": [
      {
        rule: "self.type != 'generic-oidc' || (has(self.oidcProviders) && size(self.oidcProviders) > 0)",
        message: "generic-oidc receivers must define at least one oidcProvider",
      },
      {
        rule: "self.type == 'generic-oidc' || !has(self.oidcProviders) || size(self.oidcProviders) == 0",
        message: "oidcProviders can only be set when type is generic-oidc",
      },
      {
        rule: "self.type != 'generic-oidc' || !has(self.secretRef)",
        message: "secretRef cannot be set when type is generic-oidc",
      },
      {
        rule: "self.type == 'generic-oidc' || has(self.secretRef)",
        message: "secretRef is required when type is not generic-oidc",
      },
    ],
  },
);
/** `spec` of a Receiver. */
export type ReceiverSpec = Static<typeof ReceiverSpecSchema>;

/** The observed state of a Receiver. */
export const ReceiverStatusSchema = Type.Object(
  {
    lastHandledReconcileAt: Type.Optional(
      Type.String({ description: "Last reconcile.fluxcd.io/requestedAt value handled." }),
    ),
    conditions: Type.Optional(Conditions()),
    webhookPath: Type.Optional(Type.String({ description: "The webhook path, '/hook/<sha256>'." })),
    observedGeneration: Type.Optional(Type.Integer({ format: "int64", description: "Last observed generation." })),
  },
  { description: "ReceiverStatus: the observed state of a Receiver." },
);
/** `status` of a Receiver. */
export type ReceiverStatus = Static<typeof ReceiverStatusSchema>;

/** The Receiver kind (notification.toolkit.fluxcd.io/v1). */
export const ReceiverKind = defineKind({
  group: NOTIFICATION_GROUP,
  version: NOTIFICATION_V1,
  kind: "Receiver",
  plural: "receivers",
  singular: "receiver",
  categories: ["all", "fluxcd", "fluxcd-notifications"],
  description: "Receiver exposes a webhook that requests reconciliation of Flux objects.",
  spec: ReceiverSpecSchema,
  status: ReceiverStatusSchema,
  printerColumns: [
    { name: "Age", type: "date", jsonPath: ".metadata.creationTimestamp" },
    { name: "Ready", type: "string", jsonPath: '.status.conditions[?(@.type=="Ready")].status' },
    { name: "Status", type: "string", jsonPath: '.status.conditions[?(@.type=="Ready")].message' },
  ],
});

/** A Receiver object. */
export type Receiver = ObjectOf<typeof ReceiverKind>;
