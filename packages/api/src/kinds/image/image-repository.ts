import { type Static, Type } from "@sinclair/typebox";
import { Conditions } from "../../meta/condition.js";
import { Duration } from "../../meta/duration.js";
import { defineKind, type ObjectOf } from "../../meta/kind.js";
import { LocalObjectReferenceSchema } from "../../meta/references.js";
import { StringEnum, StringMap } from "../../meta/schema-helpers.js";
import { IMAGE_GROUP, IMAGE_VERSION } from "./constants.js";

// acl.AccessFrom: namespaces (by labels, ORed) allowed to reference the ImageRepository from ImagePolicies
// in other namespaces. The type is exported once, by the source kinds (AccessFrom).
const ImageRepositoryAccessFromSchema = Type.Object(
  {
    namespaceSelectors: Type.Array(
      Type.Object(
        { matchLabels: Type.Optional(StringMap({ description: "Labels the namespace must carry (ANDed)." })) },
        { description: "Selects namespaces; an empty selector matches all." },
      ),
      { description: "Namespace selectors, ORed." },
    ),
  },
  { description: "Namespaces whose ImagePolicies may reference this ImageRepository." },
);

/** The desired state of an ImageRepository: which image repository to scan, how often. */
export const ImageRepositorySpecSchema = Type.Object(
  {
    image: Type.String({ description: "Image repository to scan, e.g. ghcr.io/fluxcd/flux-cli." }),
    interval: Duration({ description: "Time between scans." }),
    timeout: Type.Optional(
      Type.String({ pattern: "^([0-9]+(\\.[0-9]+)?(ms|s|m))+$", description: "Scan timeout; interval if unset." }),
    ),
    secretRef: Type.Optional(LocalObjectReferenceSchema),
    proxySecretRef: Type.Optional(LocalObjectReferenceSchema),
    serviceAccountName: Type.Optional(
      Type.String({ maxLength: 253, description: "Service account whose image pull secrets are used." }),
    ),
    certSecretRef: Type.Optional(LocalObjectReferenceSchema),
    suspend: Type.Optional(Type.Boolean({ description: "Stop scanning; running scans finish." })),
    accessFrom: Type.Optional(ImageRepositoryAccessFromSchema),
    exclusionList: Type.Optional(
      Type.Array(Type.String(), {
        default: ["^.*\\.sig$"],
        maxItems: 25,
        description: "Regular expressions of tags not to store.",
      }),
    ),
    provider: Type.Optional(
      StringEnum(["generic", "aws", "azure", "gcp"] as const, {
        default: "generic",
        description: "Cloud provider used for registry authentication.",
      }),
    ),
    insecure: Type.Optional(Type.Boolean({ description: "Allow a plain-HTTP registry." })),
  },
  { description: "ImageRepositorySpec: the image repository to scan for tags." },
);
/** `spec` of an ImageRepository. */
export type ImageRepositorySpec = Static<typeof ImageRepositorySpecSchema>;

/** The result of the last tag scan. */
export const ScanResultSchema = Type.Object(
  {
    revision: Type.Optional(Type.String({ description: "Stable hash of the scanned tags." })),
    tagCount: Type.Integer({ description: "Number of tags found." }),
    scanTime: Type.Optional(Type.String({ format: "date-time", description: "When the scan ran." })),
    latestTags: Type.Optional(
      Type.Array(Type.String(), { description: "The first 10 tags in descending alphabetical order." }),
    ),
  },
  { description: "Outcome of the last scan." },
);
/** `status.lastScanResult`. */
export type ScanResult = Static<typeof ScanResultSchema>;

/** The observed state of an ImageRepository. */
export const ImageRepositoryStatusSchema = Type.Object(
  {
    conditions: Type.Optional(Conditions()),
    observedGeneration: Type.Optional(Type.Integer({ format: "int64", description: "Last reconciled generation." })),
    canonicalImageName: Type.Optional(
      Type.String({ description: "Image name with implied parts explicit, e.g. docker.io/library/alpine." }),
    ),
    lastScanResult: Type.Optional(ScanResultSchema),
    observedExclusionList: Type.Optional(
      Type.Array(Type.String(), { description: "Exclusion list used for the last scan." }),
    ),
    lastHandledReconcileAt: Type.Optional(
      Type.String({ description: "Last reconcile.fluxcd.io/requestedAt value handled." }),
    ),
  },
  { description: "ImageRepositoryStatus: the observed state of an ImageRepository." },
);
/** `status` of an ImageRepository. */
export type ImageRepositoryStatus = Static<typeof ImageRepositoryStatusSchema>;

/** The ImageRepository kind (image.toolkit.fluxcd.io/v1). */
export const ImageRepositoryKind = defineKind({
  group: IMAGE_GROUP,
  version: IMAGE_VERSION,
  kind: "ImageRepository",
  plural: "imagerepositories",
  singular: "imagerepository",
  shortNames: ["imgrepo", "imagerepo"],
  categories: ["all", "fluxcd", "fluxcd-images"],
  description: "ImageRepository scans a container image repository for tags.",
  spec: ImageRepositorySpecSchema,
  status: ImageRepositoryStatusSchema,
  printerColumns: [
    { name: "Image", type: "string", jsonPath: ".spec.image" },
    { name: "Tags", type: "string", jsonPath: ".status.lastScanResult.tagCount" },
    { name: "Ready", type: "string", jsonPath: '.status.conditions[?(@.type=="Ready")].status' },
    { name: "Status", type: "string", jsonPath: '.status.conditions[?(@.type=="Ready")].message' },
    { name: "Last scan", type: "string", jsonPath: ".status.lastScanResult.scanTime", priority: 1 },
    { name: "Age", type: "date", jsonPath: ".metadata.creationTimestamp" },
  ],
});

/** An ImageRepository object. */
export type ImageRepository = ObjectOf<typeof ImageRepositoryKind>;
