import { type Static, Type } from "@sinclair/typebox";
import { Conditions } from "../../meta/condition.js";
import { Duration } from "../../meta/duration.js";
import { History } from "../../meta/history.js";
import { ResourceInventorySchema } from "../../meta/inventory.js";
import { defineKind, type ObjectOf } from "../../meta/kind.js";
import { LocalObjectReferenceSchema } from "../../meta/references.js";
import { StringEnum, StringMap } from "../../meta/schema-helpers.js";
import { CommonMetadataSchema } from "./common-metadata.js";
import { KUSTOMIZE_GROUP, KUSTOMIZE_VERSION } from "./constants.js";
import { CustomHealthCheckSchema } from "./custom-health-check.js";
import { DependencyReferenceSchema } from "./dependency-reference.js";
import { IgnoreRuleSchema } from "./ignore-rule.js";
import { KubeConfigSpecSchema } from "./kube-config.js";
import { KustomizeImageSchema, KustomizePatchSchema } from "./kustomize-overlay.js";

/** Kinds of source a Kustomization can apply from. */
export const KUSTOMIZATION_SOURCE_KINDS = ["OCIRepository", "GitRepository", "Bucket", "ExternalArtifact"] as const;

/** Kustomization's CrossNamespaceSourceReference: the source whose artifact is built and applied. */
export const KustomizationSourceReferenceSchema = Type.Object(
  {
    apiVersion: Type.Optional(Type.String({ description: "API version of the source." })),
    kind: StringEnum(KUSTOMIZATION_SOURCE_KINDS, { description: "Kind of the source." }),
    name: Type.String({ description: "Name of the source." }),
    namespace: Type.Optional(Type.String({ description: "Namespace of the source; defaults to the Kustomization's." })),
  },
  { description: "Reference to the source holding the manifests." },
);
/** `spec.sourceRef` of a Kustomization. */
export type KustomizationSourceReference = Static<typeof KustomizationSourceReferenceSchema>;

/** meta.NamespacedObjectKindReference: an object to include in the health assessment. */
export const NamespacedObjectKindReferenceSchema = Type.Object(
  {
    apiVersion: Type.Optional(Type.String({ description: "API version of the object; the preferred one if unset." })),
    kind: Type.String({ description: "Kind of the object." }),
    name: Type.String({ description: "Name of the object." }),
    namespace: Type.Optional(Type.String({ description: "Namespace of the object." })),
  },
  { description: "Reference to an object of any kind in any namespace." },
);
/** A `healthChecks` entry. */
export type NamespacedObjectKindReference = Static<typeof NamespacedObjectKindReferenceSchema>;

/** `spec.decryption`: how SOPS-encrypted manifests are decrypted before apply. */
export const DecryptionSchema = Type.Object(
  {
    provider: StringEnum(["sops"] as const, { description: "Decryption engine." }),
    serviceAccountName: Type.Optional(
      Type.String({ description: "Service account used to reach cloud KMS without static credentials." }),
    ),
    secretRef: Type.Optional(LocalObjectReferenceSchema),
  },
  { description: "Decryption of Kubernetes secrets before they are applied." },
);
/** `spec.decryption`. */
export type Decryption = Static<typeof DecryptionSchema>;

/** A ConfigMap or Secret whose data supplies post-build substitution variables. */
export const SubstituteReferenceSchema = Type.Object(
  {
    kind: StringEnum(["Secret", "ConfigMap"] as const, { description: "Kind of the object holding variables." }),
    name: Type.String({ minLength: 1, maxLength: 253, description: "Name, in the Kustomization's namespace." }),
    optional: Type.Optional(
      Type.Boolean({ default: false, description: "Treat a missing object as empty instead of failing." }),
    ),
  },
  { description: "Reference to variables for substitution." },
);
/** A `postBuild.substituteFrom` entry. */
export type SubstituteReference = Static<typeof SubstituteReferenceSchema>;

/** `spec.postBuild`: variable substitution on the built manifests. */
export const PostBuildSchema = Type.Object(
  {
    substituteStrategy: Type.Optional(
      StringEnum(["WithVariables", "Always"] as const, {
        description: "WithVariables substitutes only when variables are defined; Always substitutes regardless.",
      }),
    ),
    substitute: Type.Optional(
      StringMap({ description: "Variables and their values; bash-style defaults such as var:=default are supported." }),
    ),
    substituteFrom: Type.Optional(
      Type.Array(SubstituteReferenceSchema, { description: "ConfigMaps and Secrets holding variables." }),
    ),
  },
  { description: "Actions performed on the manifests after kustomize build." },
);
/** `spec.postBuild`. */
export type PostBuild = Static<typeof PostBuildSchema>;

/** The desired state of a Kustomization. */
export const KustomizationSpecSchema = Type.Object(
  {
    commonMetadata: Type.Optional(CommonMetadataSchema),
    dependsOn: Type.Optional(
      Type.Array(DependencyReferenceSchema, { description: "Kustomizations that must be ready first." }),
    ),
    decryption: Type.Optional(DecryptionSchema),
    interval: Duration({ description: "How often to reconcile (approximate, jittered)." }),
    retryInterval: Type.Optional(Duration({ description: "How soon to retry after a failure; defaults to interval." })),
    kubeConfig: Type.Optional(KubeConfigSpecSchema),
    path: Type.Optional(Type.String({ description: "Directory in the source to build; defaults to the root." })),
    postBuild: Type.Optional(PostBuildSchema),
    prune: Type.Boolean({ description: "Delete objects that are no longer in the source." }),
    deletionPolicy: Type.Optional(
      StringEnum(["MirrorPrune", "Delete", "WaitForTermination", "Orphan"] as const, {
        description: "What to do with applied objects when the Kustomization is deleted; MirrorPrune if unset.",
      }),
    ),
    healthChecks: Type.Optional(
      Type.Array(NamespacedObjectKindReferenceSchema, { description: "Objects whose health is assessed." }),
    ),
    namePrefix: Type.Optional(Type.String({ minLength: 1, maxLength: 200, description: "Prefix for all names." })),
    nameSuffix: Type.Optional(Type.String({ minLength: 1, maxLength: 200, description: "Suffix for all names." })),
    patches: Type.Optional(Type.Array(KustomizePatchSchema, { description: "Inline patches with targets." })),
    images: Type.Optional(Type.Array(KustomizeImageSchema, { description: "Image name, tag or digest overrides." })),
    serviceAccountName: Type.Optional(Type.String({ description: "Service account to impersonate when applying." })),
    sourceRef: KustomizationSourceReferenceSchema,
    suspend: Type.Optional(Type.Boolean({ description: "Stop reconciling; running reconciliations finish." })),
    targetNamespace: Type.Optional(
      Type.String({ minLength: 1, maxLength: 63, description: "Namespace set on all namespaced objects." }),
    ),
    timeout: Type.Optional(Duration({ description: "Limit for build, apply and health checks." })),
    force: Type.Optional(
      Type.Boolean({ default: false, description: "Recreate objects when an immutable field changes." }),
    ),
    wait: Type.Optional(Type.Boolean({ description: "Wait for every applied object to be healthy." })),
    buildMetadata: Type.Optional(
      Type.Array(StringEnum(["originAnnotations", "transformerAnnotations"] as const), {
        description: "Kustomize build metadata to add to the objects.",
      }),
    ),
    components: Type.Optional(Type.Array(Type.String(), { description: "Relative paths of kustomize components." })),
    ignoreMissingComponents: Type.Optional(
      Type.Boolean({ description: "Drop component paths that do not exist in the source." }),
    ),
    healthCheckExprs: Type.Optional(
      Type.Array(CustomHealthCheckSchema, { description: "CEL health checks for custom resources." }),
    ),
    ignore: Type.Optional(Type.Array(IgnoreRuleSchema, { description: "Changes to ignore in drift detection." })),
  },
  { description: "KustomizationSpec: how to build a source with kustomize and apply the result." },
);
/** `spec` of a Kustomization. */
export type KustomizationSpec = Static<typeof KustomizationSpecSchema>;

/** The observed state of a Kustomization. */
export const KustomizationStatusSchema = Type.Object(
  {
    lastHandledReconcileAt: Type.Optional(
      Type.String({ description: "Last reconcile.fluxcd.io/requestedAt value handled." }),
    ),
    observedGeneration: Type.Optional(Type.Integer({ format: "int64", description: "Last reconciled generation." })),
    conditions: Type.Optional(Conditions()),
    lastAppliedRevision: Type.Optional(Type.String({ description: "Revision of the last applied artifact." })),
    lastAppliedOriginRevision: Type.Optional(
      Type.String({ description: "Origin revision (e.g. OCI source revision) of the last applied artifact." }),
    ),
    lastAttemptedRevision: Type.Optional(Type.String({ description: "Revision of the last attempted artifact." })),
    inventory: Type.Optional(ResourceInventorySchema),
    history: Type.Optional(History()),
  },
  { description: "KustomizationStatus: the observed state of a Kustomization." },
);
/** `status` of a Kustomization. */
export type KustomizationStatus = Static<typeof KustomizationStatusSchema>;

/** The Kustomization kind (kustomize.toolkit.fluxcd.io/v1). */
export const KustomizationKind = defineKind({
  group: KUSTOMIZE_GROUP,
  version: KUSTOMIZE_VERSION,
  kind: "Kustomization",
  plural: "kustomizations",
  singular: "kustomization",
  shortNames: ["ks"],
  categories: ["all", "fluxcd", "fluxcd-appliers"],
  description: "Kustomization builds manifests from a source with kustomize and applies them to a cluster.",
  spec: KustomizationSpecSchema,
  status: KustomizationStatusSchema,
  printerColumns: [
    { name: "Age", type: "date", jsonPath: ".metadata.creationTimestamp" },
    { name: "Ready", type: "string", jsonPath: '.status.conditions[?(@.type=="Ready")].status' },
    { name: "Status", type: "string", jsonPath: '.status.conditions[?(@.type=="Ready")].message' },
  ],
});

/** A Kustomization object. */
export type Kustomization = ObjectOf<typeof KustomizationKind>;
