import { type Static, Type } from "@sinclair/typebox";
import { Duration } from "../../meta/duration.js";
import { LocalObjectReferenceSchema } from "../../meta/references.js";
import { StringEnum, StringMap } from "../../meta/schema-helpers.js";

/** Kinds of source a HelmChart template may point at. */
export const HELM_CHART_SOURCE_KINDS = ["HelmRepository", "GitRepository", "Bucket"] as const;

/** HelmRelease's CrossNamespaceObjectReference: the source the templated HelmChart pulls from. */
export const HelmChartSourceReferenceSchema = Type.Object(
  {
    apiVersion: Type.Optional(Type.String({ description: "API version of the source." })),
    kind: StringEnum(HELM_CHART_SOURCE_KINDS, { description: "Kind of the source." }),
    name: Type.String({ minLength: 1, maxLength: 253, description: "Name of the source." }),
    namespace: Type.Optional(
      Type.String({ minLength: 1, maxLength: 63, description: "Namespace of the source; the HelmRelease's if unset." }),
    ),
  },
  { description: "Reference to the source holding the chart." },
);
/** `spec.chart.spec.sourceRef`. */
export type HelmChartSourceReference = Static<typeof HelmChartSourceReferenceSchema>;

/** Signature verification of an OCI chart. */
export const HelmChartTemplateVerificationSchema = Type.Object(
  {
    provider: StringEnum(["cosign", "notation"] as const, {
      default: "cosign",
      description: "Signing technology to verify with.",
    }),
    secretRef: Type.Optional(LocalObjectReferenceSchema),
  },
  { description: "How to verify the chart's signature (OCI sources only)." },
);
/** `spec.chart.spec.verify`. */
export type HelmChartTemplateVerification = Static<typeof HelmChartTemplateVerificationSchema>;

/** The spec helm-controller gives the HelmChart it creates for a HelmRelease. */
export const HelmChartTemplateSpecSchema = Type.Object(
  {
    chart: Type.String({ minLength: 1, maxLength: 2048, description: "Chart name or path in the source." }),
    version: Type.Optional(
      Type.String({ default: "*", description: "Semver range; ignored for Git and Bucket sources." }),
    ),
    sourceRef: HelmChartSourceReferenceSchema,
    interval: Type.Optional(Duration({ description: "How often to check the source; the release interval if unset." })),
    reconcileStrategy: Type.Optional(
      StringEnum(["ChartVersion", "Revision"] as const, {
        default: "ChartVersion",
        description: "What makes a new chart artifact: a new chart version or a new source revision.",
      }),
    ),
    valuesFiles: Type.Optional(
      Type.Array(Type.String(), { description: "Values files in the source, merged in order, replacing values.yaml." }),
    ),
    ignoreMissingValuesFiles: Type.Optional(Type.Boolean({ description: "Skip values files that do not exist." })),
    verify: Type.Optional(HelmChartTemplateVerificationSchema),
  },
  { description: "Template of the HelmChart spec." },
);
/** `spec.chart.spec`. */
export type HelmChartTemplateSpec = Static<typeof HelmChartTemplateSpecSchema>;

/** `spec.chart`: template of the HelmChart object helm-controller creates in the source's namespace. */
export const HelmChartTemplateSchema = Type.Object(
  {
    metadata: Type.Optional(
      Type.Object(
        {
          labels: Type.Optional(StringMap({ description: "Labels of the HelmChart." })),
          annotations: Type.Optional(StringMap({ description: "Annotations of the HelmChart." })),
        },
        { description: "Labels and annotations of the HelmChart." },
      ),
    ),
    spec: HelmChartTemplateSpecSchema,
  },
  { description: "Template of the HelmChart created for this release." },
);
/** `spec.chart`. */
export type HelmChartTemplate = Static<typeof HelmChartTemplateSchema>;

/** Kinds a HelmRelease's `chartRef` may point at. */
export const HELM_CHART_REF_KINDS = ["OCIRepository", "HelmChart", "ExternalArtifact"] as const;

/** HelmRelease's CrossNamespaceSourceReference: an existing source object holding the chart artifact. */
export const HelmChartReferenceSchema = Type.Object(
  {
    apiVersion: Type.Optional(Type.String({ description: "API version of the referent." })),
    kind: StringEnum(HELM_CHART_REF_KINDS, { description: "Kind of the referent." }),
    name: Type.String({ minLength: 1, maxLength: 253, description: "Name of the referent." }),
    namespace: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 63,
        description: "Namespace of the referent; the HelmRelease's if unset.",
      }),
    ),
  },
  { description: "Reference to a source object holding the chart artifact." },
);
/** `spec.chartRef`. */
export type HelmChartReference = Static<typeof HelmChartReferenceSchema>;
