import { type Static, Type } from "@sinclair/typebox";
import { Conditions } from "../../meta/condition.js";
import { Duration } from "../../meta/duration.js";
import { defineKind, type ObjectOf } from "../../meta/kind.js";
import { LocalObjectReferenceSchema } from "../../meta/references.js";
import { StringEnum, StringMap } from "../../meta/schema-helpers.js";
import { GitRepositoryRefSchema } from "../source/git-repository.js";
import { IMAGE_GROUP, IMAGE_VERSION } from "./constants.js";
import { ImageRefSchema } from "./image-ref.js";
import { LabelSelectorSchema } from "./label-selector.js";

/** ImageUpdateAutomation's CrossNamespaceSourceReference: the GitRepository to update. */
export const ImageUpdateSourceReferenceSchema = Type.Object(
  {
    apiVersion: Type.Optional(Type.String({ description: "API version of the source." })),
    kind: StringEnum(["GitRepository"] as const, { default: "GitRepository", description: "Kind of the source." }),
    name: Type.String({ description: "Name of the source." }),
    namespace: Type.Optional(Type.String({ description: "Namespace of the source; the automation's if unset." })),
  },
  { description: "Reference to the Git repository to update." },
);
/** `spec.sourceRef` of an ImageUpdateAutomation. */
export type ImageUpdateSourceReference = Static<typeof ImageUpdateSourceReferenceSchema>;

/** `git.checkout`: the ref to clone instead of the GitRepository's own. */
export const GitCheckoutSpecSchema = Type.Object(
  { ref: GitRepositoryRefSchema },
  { description: "Branch, tag or commit to check out before updating." },
);
/** `spec.git.checkout`. */
export type GitCheckoutSpec = Static<typeof GitCheckoutSpecSchema>;

/** The commit author. */
export const CommitUserSchema = Type.Object(
  {
    name: Type.Optional(Type.String({ description: "Author name." })),
    email: Type.String({ description: "Author email." }),
  },
  { description: "Author of the commits." },
);
/** `spec.git.commit.author`. */
export type CommitUser = Static<typeof CommitUserSchema>;

/** A commit signing key in a Secret: `git.asc` (+ passphrase) for gpg, `identity` (+ password) for ssh. */
export const SigningKeySchema = Type.Object(
  {
    secretRef: LocalObjectReferenceSchema,
    type: Type.Optional(StringEnum(["gpg", "ssh"] as const, { description: "Key format; gpg if unset." })),
  },
  { description: "Key used to sign commits." },
);
/** `spec.git.commit.signingKey`. */
export type SigningKey = Static<typeof SigningKeySchema>;

/** `git.commit`: author, signing and message of the commits made. */
export const CommitSpecSchema = Type.Object(
  {
    author: CommitUserSchema,
    signingKey: Type.Optional(SigningKeySchema),
    messageTemplate: Type.Optional(
      Type.String({ description: "Go template of the commit message (.AutomationObject, .Changed, .Values)." }),
    ),
    messageTemplateValues: Type.Optional(StringMap({ description: "Extra values for the template (.Values)." })),
  },
  { description: "How to commit changes." },
);
/** `spec.git.commit`. */
export type CommitSpec = Static<typeof CommitSpecSchema>;

/** `git.push`: where commits are pushed. */
export const PushSpecSchema = Type.Object(
  {
    branch: Type.Optional(
      Type.String({ description: "Branch to push to, created from the checkout branch if missing." }),
    ),
    refspec: Type.Optional(Type.String({ description: "Refspec to push with, in addition to branch." })),
    options: Type.Optional(StringMap({ description: "Git push options sent to the server." })),
  },
  { description: "How and where to push commits; the checkout branch if unset." },
);
/** `spec.git.push`. */
export type PushSpec = Static<typeof PushSpecSchema>;

/** `spec.git`: checkout, commit and push settings. */
export const GitSpecSchema = Type.Object(
  {
    checkout: Type.Optional(GitCheckoutSpecSchema),
    commit: CommitSpecSchema,
    push: Type.Optional(PushSpecSchema),
  },
  { description: "Git settings of the automation." },
);
/** `spec.git`. */
export type GitSpec = Static<typeof GitSpecSchema>;

/** `spec.update`: how files are updated. */
export const UpdateStrategySchema = Type.Object(
  {
    strategy: Type.Optional(
      StringEnum(["Setters"] as const, { default: "Setters", description: "Update strategy (setter markers)." }),
    ),
    path: Type.Optional(
      Type.String({ description: "Directory of the manifests to update; the repository root if unset." }),
    ),
  },
  { description: "How to update the files in the repository.", default: { strategy: "Setters" } },
);
/** `spec.update`. */
export type UpdateStrategy = Static<typeof UpdateStrategySchema>;

/** The desired state of an ImageUpdateAutomation. */
export const ImageUpdateAutomationSpecSchema = Type.Object(
  {
    sourceRef: ImageUpdateSourceReferenceSchema,
    git: Type.Optional(GitSpecSchema),
    interval: Duration({ description: "Lower bound of the time between automation runs." }),
    policySelector: Type.Optional(LabelSelectorSchema),
    update: Type.Optional(UpdateStrategySchema),
    suspend: Type.Optional(Type.Boolean({ description: "Stop running the automation." })),
  },
  { description: "ImageUpdateAutomationSpec: which repository to update with which policies." },
);
/** `spec` of an ImageUpdateAutomation. */
export type ImageUpdateAutomationSpec = Static<typeof ImageUpdateAutomationSpecSchema>;

/** The observed state of an ImageUpdateAutomation. */
export const ImageUpdateAutomationStatusSchema = Type.Object(
  {
    lastAutomationRunTime: Type.Optional(
      Type.String({ format: "date-time", description: "When the automation last ran to completion." }),
    ),
    lastPushCommit: Type.Optional(Type.String({ description: "SHA-1 of the last commit pushed." })),
    lastPushTime: Type.Optional(Type.String({ format: "date-time", description: "When a change was last pushed." })),
    observedGeneration: Type.Optional(Type.Integer({ format: "int64", description: "Last reconciled generation." })),
    conditions: Type.Optional(Conditions()),
    observedPolicies: Type.Optional(
      Type.Unsafe<Record<string, Static<typeof ImageRefSchema>>>({
        type: "object",
        additionalProperties: ImageRefSchema,
        description: "Latest image of each policy considered, by policy name.",
      }),
    ),
    observedSourceRevision: Type.Optional(Type.String({ description: "Last observed source revision." })),
    lastHandledReconcileAt: Type.Optional(
      Type.String({ description: "Last reconcile.fluxcd.io/requestedAt value handled." }),
    ),
  },
  { description: "ImageUpdateAutomationStatus: the observed state of an ImageUpdateAutomation." },
);
/** `status` of an ImageUpdateAutomation. */
export type ImageUpdateAutomationStatus = Static<typeof ImageUpdateAutomationStatusSchema>;

/** The ImageUpdateAutomation kind (image.toolkit.fluxcd.io/v1). */
export const ImageUpdateAutomationKind = defineKind({
  group: IMAGE_GROUP,
  version: IMAGE_VERSION,
  kind: "ImageUpdateAutomation",
  plural: "imageupdateautomations",
  singular: "imageupdateautomation",
  shortNames: ["iua", "imgupd", "imgauto"],
  categories: ["all", "fluxcd", "fluxcd-images"],
  description: "ImageUpdateAutomation commits the latest images selected by ImagePolicies to a Git repository.",
  spec: ImageUpdateAutomationSpecSchema,
  status: ImageUpdateAutomationStatusSchema,
  printerColumns: [
    { name: "Ready", type: "string", jsonPath: '.status.conditions[?(@.type=="Ready")].status' },
    { name: "Status", type: "string", jsonPath: '.status.conditions[?(@.type=="Ready")].message' },
    { name: "Last run", type: "string", jsonPath: ".status.lastAutomationRunTime", priority: 1 },
    { name: "Age", type: "date", jsonPath: ".metadata.creationTimestamp" },
  ],
});

/** An ImageUpdateAutomation object. */
export type ImageUpdateAutomation = ObjectOf<typeof ImageUpdateAutomationKind>;
