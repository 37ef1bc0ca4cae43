import { type Static, Type } from "@sinclair/typebox";
import { StringEnum, StringMap } from "../../meta/schema-helpers.js";
import { NOTIFICATION_OBJECT_KINDS } from "./constants.js";

/** The properties of notification's CrossNamespaceObjectReference, shared with Receiver resources. */
export const crossNamespaceObjectReferenceProperties = {
  apiVersion: Type.Optional(Type.String({ description: "API version of the referent." })),
  kind: StringEnum(NOTIFICATION_OBJECT_KINDS, { description: "Kind of the referent." }),
  name: Type.String({ minLength: 1, maxLength: 253, description: "Name of the referent; '*' matches all." }),
  namespace: Type.Optional(Type.String({ minLength: 1, maxLength: 253, description: "Namespace of the referent." })),
  matchLabels: Type.Optional(StringMap({ description: "Labels the referents must carry (ANDed); requires name '*'." })),
};

/** Notification's CrossNamespaceObjectReference: a Flux object, or all of a kind (`*` + labels). */
export const CrossNamespaceObjectReferenceSchema = Type.Object(crossNamespaceObjectReferenceProperties, {
  description: "Reference to Flux objects by kind, name (or '*') and namespace.",
});
/** An Alert `eventSources` entry. */
export type CrossNamespaceObjectReference = Static<typeof CrossNamespaceObjectReferenceSchema>;
