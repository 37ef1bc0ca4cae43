import { Type } from "@sinclair/typebox";
import { ArtifactSchema } from "../../meta/artifact.js";
import { Conditions } from "../../meta/condition.js";
import { defineKind, type ObjectOf } from "../../meta/kind.js";
import { AGE_COLUMN, READY_COLUMNS, SOURCE_CATEGORIES } from "./common.js";
import { SOURCE_GROUP, SOURCE_VERSION } from "./constants.js";

/** `ExternalArtifact.spec.sourceRef`: the object (of any kind, e.g. an ArtifactGenerator) the artifact is made for. */
export const ExternalArtifactSourceReferenceSchema = Type.Object(
  {
    apiVersion: Type.Optional(
      Type.String({
        description: "API version of the referent, if not specified the Kubernetes preferred version will be used.",
      }),
    ),
    kind: Type.String({ description: "Kind of the referent." }),
    name: Type.String({ description: "Name of the referent." }),
    namespace: Type.Optional(
      Type.String({ description: "Namespace of the referent, when not specified it acts as LocalObjectReference." }),
    ),
  },
  { description: "The custom resource for which the artifact is generated." },
);

/** `ExternalArtifact.spec`: only where the artifact comes from; the producer writes the status. */
export const ExternalArtifactSpecSchema = Type.Object(
  { sourceRef: Type.Optional(ExternalArtifactSourceReferenceSchema) },
  { description: "ExternalArtifactSpec defines the desired state of ExternalArtifact." },
);

/** `ExternalArtifact.status`: the artifact and the producer's conditions. */
export const ExternalArtifactStatusSchema = Type.Object(
  {
    artifact: Type.Optional(ArtifactSchema),
    conditions: Type.Optional(Conditions()),
  },
  { description: "ExternalArtifactStatus defines the observed state of ExternalArtifact." },
);

/**
 * The ExternalArtifact kind (Flux 2.7+): an artifact produced outside source-controller (by source-watcher's
 * ArtifactGenerator, or any third party), consumed by Kustomizations (`sourceRef`) and HelmReleases
 * (`chartRef`) like a source. No controller reconciles it; its producer writes `status.artifact`.
 */
export const ExternalArtifactKind = defineKind({
  group: SOURCE_GROUP,
  version: SOURCE_VERSION,
  kind: "ExternalArtifact",
  plural: "externalartifacts",
  singular: "externalartifact",
  shortNames: ["ea"],
  categories: [...SOURCE_CATEGORIES],
  description: "ExternalArtifact is the Schema for the external artifacts API",
  spec: ExternalArtifactSpecSchema,
  status: ExternalArtifactStatusSchema,
  printerColumns: [AGE_COLUMN, ...READY_COLUMNS, { name: "Source", type: "string", jsonPath: ".spec.sourceRef.name" }],
});

/** An ExternalArtifact object. */
export type ExternalArtifact = ObjectOf<typeof ExternalArtifactKind>;
