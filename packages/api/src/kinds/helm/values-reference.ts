import { type Static, Type } from "@sinclair/typebox";
import { StringEnum } from "../../meta/schema-helpers.js";

/** meta.ValuesReference: Helm values read from a key of a ConfigMap or Secret. */
export const ValuesReferenceSchema = Type.Object(
  {
    kind: StringEnum(["Secret", "ConfigMap"] as const, { description: "Kind of the object holding the values." }),
    name: Type.String({ minLength: 1, maxLength: 253, description: "Name, in the HelmRelease's namespace." }),
    valuesKey: Type.Optional(
      Type.String({
        maxLength: 253,
        pattern: "^[\\-._a-zA-Z0-9]+$",
        description: "Data key holding the values; values.yaml if unset.",
      }),
    ),
    targetPath: Type.Optional(
      Type.String({
        maxLength: 250,
        pattern: "^([a-zA-Z0-9_\\-.\\\\\\/]|\\[[0-9]{1,5}\\])+$",
        description: "Dot-notation path to merge a single value at; the root if unset.",
      }),
    ),
    optional: Type.Optional(Type.Boolean({ description: "Tolerate a missing object or key." })),
    literal: Type.Optional(
      Type.Boolean({ description: "With targetPath, merge the value verbatim like helm --set-literal." }),
    ),
  },
  { description: "Reference to Helm values in a ConfigMap or Secret." },
);
/** A `valuesFrom` entry. */
export type ValuesReference = Static<typeof ValuesReferenceSchema>;
