import { type Static, Type } from "@sinclair/typebox";
import { defineKind, type ObjectOf } from "../../meta/kind.js";
import { StringEnum } from "../../meta/schema-helpers.js";
import {
  AGE_COLUMN,
  Interval,
  LocalRef,
  OIDCIdentityMatchSchema,
  READY_COLUMNS,
  SOURCE_CATEGORIES,
  sourceStatusFields,
  VerifyProvider,
} from "./common.js";
import { HelmChartSourceKind, ReconcileStrategy, SOURCE_GROUP, SOURCE_VERSION } from "./constants.js";

/** `HelmChart.spec.sourceRef`: the HelmRepository, GitRepository or Bucket (same namespace) holding the chart. */
export const LocalHelmChartSourceReferenceSchema = Type.Object(
  {
    apiVersion: Type.Optional(Type.String({ description: "APIVersion of the referent." })),
    kind: StringEnum(
      [HelmChartSourceKind.HelmRepository, HelmChartSourceKind.GitRepository, HelmChartSourceKind.Bucket] as const,
      { description: "Kind of the referent: HelmRepository, GitRepository or Bucket." },
    ),
    name: Type.String({ description: "Name of the referent." }),
  },
  { description: "The source (in the HelmChart's namespace) the chart is available at." },
);
/** The source a HelmChart builds from. */
export type LocalHelmChartSourceReference = Static<typeof LocalHelmChartSourceReferenceSchema>;

/** `HelmChart.spec.verify`: signature verification of charts pulled from an OCI HelmRepository. */
export const HelmChartVerificationSchema = Type.Object(
  {
    provider: VerifyProvider(),
    secretRef: Type.Optional(
      LocalRef("Secret with the trusted public keys (cosign) or trust policy and certificates (notation)."),
    ),
    matchOIDCIdentity: Type.Optional(
      Type.Array(OIDCIdentityMatchSchema, {
        description: "Identities a keyless signature must match (any of); only without secretRef.",
      }),
    ),
  },
  { description: "Verification of the OCI chart's signature; only for charts from an OCI HelmRepository." },
);
/** Signature verification settings of a HelmChart. */
export type HelmChartVerification = Static<typeof HelmChartVerificationSchema>;

/** `HelmChart.spec`. */
export const HelmChartSpecSchema = Type.Object(
  {
    chart: Type.String({ description: "Name or path of the chart in the source." }),
    version: Type.Optional(
      Type.String({
        default: "*",
        description: "SemVer range of chart versions (newest wins); ignored for GitRepository and Bucket sources.",
      }),
    ),
    sourceRef: LocalHelmChartSourceReferenceSchema,
    interval: Interval("How often the source is checked for a new chart (approximate, jittered)."),
    reconcileStrategy: Type.Optional(
      StringEnum([ReconcileStrategy.ChartVersion, ReconcileStrategy.Revision] as const, {
        default: ReconcileStrategy.ChartVersion,
        description:
          "What makes a new artifact: a new chart version (ChartVersion), or any new source revision (Revision).",
      }),
    ),
    valuesFiles: Type.Optional(
      Type.Array(Type.String(), {
        description: "Values files (relative paths in the source) merged in order into the packaged chart's values.",
      }),
    ),
    ignoreMissingValuesFiles: Type.Optional(
      Type.Boolean({ description: "Skip missing values files instead of failing." }),
    ),
    suspend: Type.Optional(Type.Boolean({ description: "Suspends reconciliation of this HelmChart." })),
    verify: Type.Optional(HelmChartVerificationSchema),
  },
  {
    description: "The desired state of a Helm chart.",
    "x-kubernetes-validations": [
      {
        rule: "!has(self.verify) || self.sourceRef.kind == 'HelmRepository'",
        message: "spec.verify is only supported when spec.sourceRef.kind is 'HelmRepository'",
      },
    ],
  },
);
/** The desired state of a HelmChart. */
export type HelmChartSpec = Static<typeof HelmChartSpecSchema>;

/** `HelmChart.status`. */
export const HelmChartStatusSchema = Type.Object(
  {
    ...sourceStatusFields(),
    observedSourceArtifactRevision: Type.Optional(
      Type.String({ description: "The source artifact revision the current chart was built from." }),
    ),
    observedChartName: Type.Optional(Type.String({ description: "The chart name (spec.chart) last built." })),
    observedValuesFiles: Type.Optional(
      Type.Array(Type.String(), { description: "The values files merged into the current artifact." }),
    ),
    url: Type.Optional(Type.String({ description: "Best-effort stable download link of the latest artifact." })),
  },
  { description: "The observed state of a HelmChart." },
);
/** The observed state of a HelmChart. */
export type HelmChartStatus = Static<typeof HelmChartStatusSchema>;

/**
 * The HelmChart kind (`kubectl get helmcharts` shows CHART, VERSION, SOURCE KIND, SOURCE NAME, AGE, READY,
 * STATUS).
 */
export const HelmChartKind = defineKind({
  group: SOURCE_GROUP,
  version: SOURCE_VERSION,
  kind: "HelmChart",
  plural: "helmcharts",
  singular: "helmchart",
  shortNames: ["hc"],
  categories: [...SOURCE_CATEGORIES],
  description: "HelmChart is the Schema for the helmcharts API.",
  spec: HelmChartSpecSchema,
  status: HelmChartStatusSchema,
  printerColumns: [
    { name: "Chart", type: "string", jsonPath: ".spec.chart" },
    { name: "Version", type: "string", jsonPath: ".spec.version" },
    { name: "Source Kind", type: "string", jsonPath: ".spec.sourceRef.kind" },
    { name: "Source Name", type: "string", jsonPath: ".spec.sourceRef.name" },
    AGE_COLUMN,
    ...READY_COLUMNS,
  ],
});

/** A HelmChart object. */
export type HelmChart = ObjectOf<typeof HelmChartKind>;
