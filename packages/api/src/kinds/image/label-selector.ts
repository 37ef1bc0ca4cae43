import { type Static, Type } from "@sinclair/typebox";
import { StringMap } from "../../meta/schema-helpers.js";

/** One requirement of a label selector: key, operator (In, NotIn, Exists, DoesNotExist) and values. */
export const LabelSelectorRequirementSchema = Type.Object(
  {
    key: Type.String({ description: "Label key." }),
    operator: Type.String({ description: "In, NotIn, Exists or DoesNotExist." }),
    values: Type.Optional(
      Type.Array(Type.String(), {
        description: "Values for In and NotIn; empty for Exists and DoesNotExist.",
        "x-kubernetes-list-type": "atomic",
      }),
    ),
  },
  { description: "A label selector requirement." },
);
/** A `matchExpressions` entry. */
export type LabelSelectorRequirement = Static<typeof LabelSelectorRequirementSchema>;

/** metav1.LabelSelector: matchLabels and matchExpressions, ANDed; empty selects everything. */
export const LabelSelectorSchema = Type.Object(
  {
    matchExpressions: Type.Optional(
      Type.Array(LabelSelectorRequirementSchema, {
        description: "Requirements, ANDed.",
        "x-kubernetes-list-type": "atomic",
      }),
    ),
    matchLabels: Type.Optional(StringMap({ description: "Labels that must match exactly, ANDed." })),
  },
  { description: "A Kubernetes label selector.", "x-kubernetes-map-type": "atomic" },
);
/** A label selector. */
export type LabelSelector = Static<typeof LabelSelectorSchema>;
