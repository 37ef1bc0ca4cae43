import { type Static, Type } from "@sinclair/typebox";
import { KustomizeSelectorSchema } from "./kustomize-overlay.js";

/** A drift-detection ignore rule: JSON Pointer paths left alone on the selected objects. */
export const IgnoreRuleSchema = Type.Object(
  {
    paths: Type.Array(Type.String(), { description: "JSON Pointer (RFC 6901) paths to ignore." }),
    target: Type.Optional(KustomizeSelectorSchema),
  },
  { description: "Changes to ignore during drift detection; without target it applies to every object." },
);
/** An `ignore` rule. */
export type IgnoreRule = Static<typeof IgnoreRuleSchema>;
