import { type Static, Type } from "@sinclair/typebox";

/** The parts of metav1.ObjectMeta our code reads and writes; the CRD schema leaves metadata to the API server. */
export const ObjectMetaSchema = Type.Object({
  name: Type.Optional(Type.String()),
  generateName: Type.Optional(Type.String()),
  namespace: Type.Optional(Type.String()),
  uid: Type.Optional(Type.String()),
  resourceVersion: Type.Optional(Type.String()),
  generation: Type.Optional(Type.Integer()),
  creationTimestamp: Type.Optional(Type.String()),
  deletionTimestamp: Type.Optional(Type.String()),
  labels: Type.Optional(Type.Record(Type.String(), Type.String())),
  annotations: Type.Optional(Type.Record(Type.String(), Type.String())),
  finalizers: Type.Optional(Type.Array(Type.String())),
  ownerReferences: Type.Optional(Type.Array(Type.Unknown())),
  managedFields: Type.Optional(Type.Array(Type.Unknown())),
});

/** Object metadata as read from the API. */
export type ObjectMeta = Static<typeof ObjectMetaSchema>;
