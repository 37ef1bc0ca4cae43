import { type Static, Type } from "@sinclair/typebox";
import { StringMap } from "../../meta/schema-helpers.js";

/** Labels and annotations added to every applied object, overriding keys already present. */
export const CommonMetadataSchema = Type.Object(
  {
    annotations: Type.Optional(StringMap({ description: "Annotations to add." })),
    labels: Type.Optional(StringMap({ description: "Labels to add." })),
  },
  { description: "Common labels and annotations for all applied objects." },
);
/** `spec.commonMetadata`. */
export type CommonMetadata = Static<typeof CommonMetadataSchema>;
