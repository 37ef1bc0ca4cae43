import { type Static, Type } from "@sinclair/typebox";
import { defineKind, type ObjectOf } from "../../meta/kind.js";
import { LocalObjectReferenceSchema } from "../../meta/references.js";
import { StringEnum, StringMap } from "../../meta/schema-helpers.js";
import { NOTIFICATION_GROUP, NOTIFICATION_V1BETA3 } from "./constants.js";
import { CrossNamespaceObjectReferenceSchema } from "./cross-namespace-object-reference.js";

/** The desired state of an Alert: which events go to which Provider. */
export const AlertSpecSchema = Type.Object(
  {
    providerRef: LocalObjectReferenceSchema,
    eventSeverity: Type.Optional(
      StringEnum(["info", "error"] as const, {
        default: "info",
        description: "Lowest severity forwarded; info forwards everything.",
      }),
    ),
    eventSources: Type.Array(CrossNamespaceObjectReferenceSchema, {
      description: "Objects whose events are forwarded.",
    }),
    inclusionList: Type.Optional(
      Type.Array(Type.String(), { description: "Go regular expressions; only matching messages are sent." }),
    ),
    eventMetadata: Type.Optional(
      StringMap({ description: "Metadata added to events; never overrides the emitter's own keys." }),
    ),
    exclusionList: Type.Optional(
      Type.Array(Type.String(), { description: "Go regular expressions; matching messages are dropped." }),
    ),
    summary: Type.Optional(Type.String({ maxLength: 255, description: "Deprecated: use eventMetadata.summary." })),
    suspend: Type.Optional(Type.Boolean({ description: "Stop forwarding events for this alert." })),
  },
  { description: "AlertSpec: an alerting rule for events of a set of objects." },
);
/** `spec` of an Alert. */
export type AlertSpec = Static<typeof AlertSpecSchema>;

/** The Alert kind (notification.toolkit.fluxcd.io/v1beta3): a static object without status. */
export const AlertKind = defineKind({
  group: NOTIFICATION_GROUP,
  version: NOTIFICATION_V1BETA3,
  kind: "Alert",
  plural: "alerts",
  singular: "alert",
  categories: ["all", "fluxcd", "fluxcd-notifications"],
  description: "Alert forwards events about selected Flux objects to a Provider.",
  spec: AlertSpecSchema,
  printerColumns: [{ name: "Age", type: "date", jsonPath: ".metadata.creationTimestamp" }],
});

/** An Alert object. */
export type Alert = ObjectOf<typeof AlertKind>;
