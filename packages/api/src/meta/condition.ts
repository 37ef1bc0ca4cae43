import { type Static, Type } from "@sinclair/typebox";
import { StringEnum } from "./schema-helpers.js";

/** metav1.Condition, with the validation markers Kubernetes puts on it. */
export const ConditionSchema = Type.Object(
  {
    type: Type.String({
      description: "type of condition in CamelCase or in foo.example.com/CamelCase.",
      maxLength: 316,
      pattern:
        "^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*/)?(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])$",
    }),
    status: StringEnum(["True", "False", "Unknown"] as const, {
      description: "status of the condition, one of True, False, Unknown.",
    }),
    observedGeneration: Type.Optional(
      Type.Integer({
        format: "int64",
        minimum: 0,
        description: "the .metadata.generation that the condition was set based upon.",
      }),
    ),
    lastTransitionTime: Type.String({
      format: "date-time",
      description: "the last time the condition transitioned from one status to another.",
    }),
    reason: Type.String({
      maxLength: 1024,
      minLength: 1,
      pattern: "^[A-Za-z]([A-Za-z0-9_,:]*[A-Za-z0-9_])?$",
      description: "a programmatic identifier indicating the reason for the condition's last transition.",
    }),
    message: Type.String({
      maxLength: 32768,
      description: "a human readable message indicating details about the transition.",
    }),
  },
  { description: "Condition contains details for one aspect of the current state of this API Resource." },
);

/** A status condition (metav1.Condition). */
export type Condition = Static<typeof ConditionSchema>;

/** The list of conditions every Flux status carries (an atomic list, as in Flux's CRDs). */
export function Conditions() {
  return Type.Array(ConditionSchema, { description: "Conditions holds the conditions for the object." });
}
