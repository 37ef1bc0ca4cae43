import { type Static, Type } from "@sinclair/typebox";
import { Conditions } from "../../meta/condition.js";
import { Duration } from "../../meta/duration.js";
import { defineKind, type ObjectOf } from "../../meta/kind.js";
import { NamespacedObjectReferenceSchema } from "../../meta/references.js";
import { StringEnum } from "../../meta/schema-helpers.js";
import { IMAGE_GROUP, IMAGE_VERSION } from "./constants.js";
import { ImageRefSchema } from "./image-ref.js";

const ORDER = ["asc", "desc"] as const;

/** Selects the highest tag within a semver range. */
export const SemVerPolicySchema = Type.Object(
  { range: Type.String({ description: "Semver range; the highest matching tag wins." }) },
  { description: "Semantic version policy." },
);
/** `policy.semver`. */
export type SemVerPolicy = Static<typeof SemVerPolicySchema>;

/** Orders tags alphabetically; `asc` selects the last (Z), `desc` the first (A). */
export const AlphabeticalPolicySchema = Type.Object(
  { order: Type.Optional(StringEnum(ORDER, { default: "asc", description: "Sort order; asc selects the last." })) },
  { description: "Alphabetical ordering policy." },
);
/** `policy.alphabetical`. */
export type AlphabeticalPolicy = Static<typeof AlphabeticalPolicySchema>;

/** Orders tags numerically; `asc` selects the highest, `desc` the lowest. */
export const NumericalPolicySchema = Type.Object(
  { order: Type.Optional(StringEnum(ORDER, { default: "asc", description: "Sort order; asc selects the highest." })) },
  { description: "Numerical ordering policy." },
);
/** `policy.numerical`. */
export type NumericalPolicy = Static<typeof NumericalPolicySchema>;

/** `spec.policy`: one of semver, alphabetical or numerical. */
export const ImagePolicyChoiceSchema = Type.Object(
  {
    semver: Type.Optional(SemVerPolicySchema),
    alphabetical: Type.Optional(AlphabeticalPolicySchema),
    numerical: Type.Optional(NumericalPolicySchema),
  },
  { description: "How the latest image is selected." },
);
/** `spec.policy`. */
export type ImagePolicyChoice = Static<typeof ImagePolicyChoiceSchema>;

/** `spec.filterTags`: a regular expression tags must match, and an optional capture to compare on. */
export const TagFilterSchema = Type.Object(
  {
    pattern: Type.Optional(Type.String({ description: "Regular expression tags must match." })),
    extract: Type.Optional(
      Type.String({ description: "Replacement template (e.g. $ts) giving the value the policy compares." }),
    ),
  },
  { description: "Filter applied to tags before the policy." },
);
/** `spec.filterTags`. */
export type TagFilter = Static<typeof TagFilterSchema>;

/** The desired state of an ImagePolicy: how to pick the latest image of an ImageRepository. */
export const ImagePolicySpecSchema = Type.Object(
  {
    imageRepositoryRef: NamespacedObjectReferenceSchema,
    policy: ImagePolicyChoiceSchema,
    filterTags: Type.Optional(TagFilterSchema),
    digestReflectionPolicy: Type.Optional(
      StringEnum(["Always", "IfNotPresent", "Never"] as const, {
        default: "Never",
        description: "When status.latestRef.digest is filled: always, once, or never.",
      }),
    ),
    interval: Type.Optional(
      Duration({ description: "How often to refresh the digest (digestReflectionPolicy Always); 10m if unset." }),
    ),
    suspend: Type.Optional(Type.Boolean({ description: "Stop reconciling the policy." })),
  },
  {
    description: "ImagePolicySpec: the selection rules for the latest image.",
    "x-kubernetes-validations": [
      {
        rule: "!has(self.interval) || (has(self.digestReflectionPolicy) && self.digestReflectionPolicy == 'Always')",
        message: "spec.interval is only accepted when spec.digestReflectionPolicy is set to 'Always'",
      },
      {
        rule: "has(self.interval) || !has(self.digestReflectionPolicy) || self.digestReflectionPolicy != 'Always'",
        message: "spec.interval must be set when spec.digestReflectionPolicy is set to 'Always'",
      },
    ],
  },
);
/** `spec` of an ImagePolicy. */
export type ImagePolicySpec = Static<typeof ImagePolicySpecSchema>;

/** The observed state of an ImagePolicy. */
export const ImagePolicyStatusSchema = Type.Object(
  {
    latestRef: Type.Optional(ImageRefSchema),
    observedPreviousRef: Type.Optional(ImageRefSchema),
    observedGeneration: Type.Optional(Type.Integer({ format: "int64", description: "Last reconciled generation." })),
    conditions: Type.Optional(Conditions()),
    lastHandledReconcileAt: Type.Optional(
      Type.String({ description: "Last reconcile.fluxcd.io/requestedAt value handled." }),
    ),
  },
  { description: "ImagePolicyStatus: the latest image selected and the previous one." },
);
/** `status` of an ImagePolicy. */
export type ImagePolicyStatus = Static<typeof ImagePolicyStatusSchema>;

/** The ImagePolicy kind (image.toolkit.fluxcd.io/v1). */
export const ImagePolicyKind = defineKind({
  group: IMAGE_GROUP,
  version: IMAGE_VERSION,
  kind: "ImagePolicy",
  plural: "imagepolicies",
  singular: "imagepolicy",
  shortNames: ["imgpol", "imagepol"],
  categories: ["all", "fluxcd", "fluxcd-images"],
  description: "ImagePolicy selects the latest image of an ImageRepository by a policy.",
  spec: ImagePolicySpecSchema,
  status: ImagePolicyStatusSchema,
  printerColumns: [
    { name: "Image", type: "string", jsonPath: ".status.latestRef.name" },
    { name: "Tag", type: "string", jsonPath: ".status.latestRef.tag" },
    { name: "Ready", type: "string", jsonPath: '.status.conditions[?(@.type=="Ready")].status' },
    { name: "Status", type: "string", jsonPath: '.status.conditions[?(@.type=="Ready")].message' },
    { name: "Age", type: "date", jsonPath: ".metadata.creationTimestamp" },
  ],
});

/** An ImagePolicy object. */
export type ImagePolicy = ObjectOf<typeof ImagePolicyKind>;
