import { type Static, Type } from "@sinclair/typebox";
import { StringEnum } from "../../meta/schema-helpers.js";
import { IgnoreRuleSchema } from "../kustomize/ignore-rule.js";

/** `spec.driftDetection`: compare the release manifest with the cluster and correct or report drift. */
export const DriftDetectionSchema = Type.Object(
  {
    mode: Type.Optional(
      StringEnum(["enabled", "warn", "disabled"] as const, {
        description: "enabled corrects drift with an upgrade, warn only reports it; disabled if unset.",
      }),
    ),
    ignore: Type.Optional(Type.Array(IgnoreRuleSchema, { description: "Changes to ignore when diffing." })),
  },
  { description: "Drift detection between the Helm manifest and the cluster." },
);
/** `spec.driftDetection`. */
export type DriftDetection = Static<typeof DriftDetectionSchema>;
