import { type Static, Type } from "@sinclair/typebox";
import { Conditions } from "../../meta/condition.js";
import { Duration } from "../../meta/duration.js";
import { ResourceInventorySchema } from "../../meta/inventory.js";
import { defineKind, type ObjectOf } from "../../meta/kind.js";
import { JsonObject, StringEnum } from "../../meta/schema-helpers.js";
import { CommonMetadataSchema } from "../kustomize/common-metadata.js";
import { CustomHealthCheckSchema } from "../kustomize/custom-health-check.js";
import { DependencyReferenceSchema } from "../kustomize/dependency-reference.js";
import { KubeConfigSpecSchema } from "../kustomize/kube-config.js";
import { HELM_GROUP, HELM_VERSION } from "./constants.js";
import { DriftDetectionSchema } from "./drift-detection.js";
import { HelmChartReferenceSchema, HelmChartTemplateSchema } from "./helm-chart-template.js";
import { PostRendererSchema } from "./post-renderer.js";
import {
  HelmInstallSchema,
  HelmRollbackSchema,
  HelmTestSchema,
  HelmUninstallSchema,
  HelmUpgradeSchema,
} from "./release-actions.js";
import { HelmReleaseSnapshotSchema } from "./snapshot.js";
import { ValuesReferenceSchema } from "./values-reference.js";

/** `spec.waitStrategy`: how Helm waits for applied objects to become ready. */
export const WaitStrategySchema = Type.Object(
  {
    name: StringEnum(["poller", "legacy"] as const, {
      description: "poller uses kstatus polling, legacy Helm 3's wait logic.",
    }),
  },
  { description: "Helm wait strategy." },
);
/** `spec.waitStrategy`. */
export type WaitStrategy = Static<typeof WaitStrategySchema>;

/** The desired state of a HelmRelease. Exactly one of `chart` and `chartRef` must be set. */
export const HelmReleaseSpecSchema = Type.Object(
  {
    chart: Type.Optional(HelmChartTemplateSchema),
    chartRef: Type.Optional(HelmChartReferenceSchema),
    interval: Duration({ description: "How often to reconcile the release." }),
    kubeConfig: Type.Optional(KubeConfigSpecSchema),
    suspend: Type.Optional(Type.Boolean({ description: "Stop reconciling; running reconciliations finish." })),
    releaseName: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 53,
        description: "Helm release name; '[targetNamespace-]name' if unset.",
      }),
    ),
    targetNamespace: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 63,
        description: "Namespace to install into; the HelmRelease's if unset.",
      }),
    ),
    storageNamespace: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 63,
        description: "Namespace of Helm storage; the HelmRelease's if unset.",
      }),
    ),
    dependsOn: Type.Optional(
      Type.Array(DependencyReferenceSchema, { description: "HelmReleases that must be ready first." }),
    ),
    timeout: Type.Optional(Duration({ description: "Per-operation timeout of Helm actions; 5m if unset." })),
    maxHistory: Type.Optional(Type.Integer({ description: "Release versions Helm keeps; 5 if unset, 0 unlimited." })),
    serviceAccountName: Type.Optional(
      Type.String({ minLength: 1, maxLength: 253, description: "Service account to impersonate." }),
    ),
    persistentClient: Type.Optional(
      Type.Boolean({ description: "Reuse one Kubernetes client for the whole reconciliation; true if unset." }),
    ),
    driftDetection: Type.Optional(DriftDetectionSchema),
    install: Type.Optional(HelmInstallSchema),
    upgrade: Type.Optional(HelmUpgradeSchema),
    test: Type.Optional(HelmTestSchema),
    rollback: Type.Optional(HelmRollbackSchema),
    uninstall: Type.Optional(HelmUninstallSchema),
    valuesFrom: Type.Optional(
      Type.Array(ValuesReferenceSchema, { description: "Values from ConfigMaps and Secrets, merged in order." }),
    ),
    values: Type.Optional(JsonObject({ description: "Inline Helm values, merged over valuesFrom." })),
    commonMetadata: Type.Optional(CommonMetadataSchema),
    postRenderers: Type.Optional(
      Type.Array(PostRendererSchema, { description: "Post-renderers applied in order to the rendered manifests." }),
    ),
    postRenderStrategy: Type.Optional(
      StringEnum(["nohooks", "combined", "separate"] as const, {
        description: "How hooks reach post-renderers; combined if unset.",
      }),
    ),
    waitStrategy: Type.Optional(WaitStrategySchema),
    healthCheckExprs: Type.Optional(
      Type.Array(CustomHealthCheckSchema, { description: "CEL health checks for custom resources." }),
    ),
  },
  {
    description: "HelmReleaseSpec: the chart, values and Helm action options of a release.",
    "x-kubernetes-validations": [
      {
        rule: "(has(self.chart) && !has(self.chartRef)) || (!has(self.chart) && has(self.chartRef))",
        message: "either chart or chartRef must be set",
      },
    ],
  },
);
/** `spec` of a HelmRelease. */
export type HelmReleaseSpec = Static<typeof HelmReleaseSpecSchema>;

/** The observed state of a HelmRelease. */
export const HelmReleaseStatusSchema = Type.Object(
  {
    observedGeneration: Type.Optional(Type.Integer({ format: "int64", description: "Last observed generation." })),
    observedPostRenderersDigest: Type.Optional(
      Type.String({ description: "Digest of the post-renderers of the last successful reconciliation." }),
    ),
    observedCommonMetadataDigest: Type.Optional(
      Type.String({ description: "Digest of the common metadata of the last successful reconciliation." }),
    ),
    lastAttemptedGeneration: Type.Optional(
      Type.Integer({ format: "int64", description: "Last generation a reconciliation was attempted for." }),
    ),
    conditions: Type.Optional(Conditions()),
    helmChart: Type.Optional(Type.String({ description: "'<namespace>/<name>' of the HelmChart created." })),
    storageNamespace: Type.Optional(
      Type.String({ minLength: 1, maxLength: 63, description: "Namespace of the current release's storage." }),
    ),
    history: Type.Optional(
      Type.Array(HelmReleaseSnapshotSchema, { description: "Releases up to the last successful one, newest first." }),
    ),
    inventory: Type.Optional(ResourceInventorySchema),
    lastAttemptedReleaseAction: Type.Optional(
      StringEnum(["install", "upgrade"] as const, {
        description: "Last release action, which selects the active retry and remediation.",
      }),
    ),
    lastAttemptedReleaseActionDuration: Type.Optional(
      Type.String({ description: "Duration of the last release action (Go duration)." }),
    ),
    failures: Type.Optional(
      Type.Integer({ format: "int64", description: "Failed reconciliations for the desired state." }),
    ),
    installFailures: Type.Optional(
      Type.Integer({ format: "int64", description: "Failed installs for the desired state." }),
    ),
    upgradeFailures: Type.Optional(
      Type.Integer({ format: "int64", description: "Failed upgrades for the desired state." }),
    ),
    lastAttemptedRevision: Type.Optional(
      Type.String({ description: "Chart version last attempted; '<version>+<digest[0:12]>' for OCI sources." }),
    ),
    lastAttemptedRevisionDigest: Type.Optional(
      Type.String({ description: "Digest of the last attempted chart (OCI sources)." }),
    ),
    lastAttemptedValuesChecksum: Type.Optional(
      Type.String({ description: "Deprecated: SHA1 of the last attempted values." }),
    ),
    lastReleaseRevision: Type.Optional(Type.Integer({ description: "Deprecated: last successful release version." })),
    lastAttemptedConfigDigest: Type.Optional(Type.String({ description: "Digest of the last attempted values." })),
    lastHandledResetAt: Type.Optional(Type.String({ description: "Last reconcile.fluxcd.io/resetAt value handled." })),
    lastHandledReconcileAt: Type.Optional(
      Type.String({ description: "Last reconcile.fluxcd.io/requestedAt value handled." }),
    ),
    lastHandledForceAt: Type.Optional(Type.String({ description: "Last reconcile.fluxcd.io/forceAt value handled." })),
  },
  { description: "HelmReleaseStatus: the observed state of a HelmRelease." },
);
/** `status` of a HelmRelease. */
export type HelmReleaseStatus = Static<typeof HelmReleaseStatusSchema>;

/** The HelmRelease kind (helm.toolkit.fluxcd.io/v2). */
export const HelmReleaseKind = defineKind({
  group: HELM_GROUP,
  version: HELM_VERSION,
  kind: "HelmRelease",
  plural: "helmreleases",
  singular: "helmrelease",
  shortNames: ["hr"],
  categories: ["all", "fluxcd", "fluxcd-appliers"],
  description: "HelmRelease installs and upgrades a Helm chart release and keeps it in the desired state.",
  spec: HelmReleaseSpecSchema,
  status: HelmReleaseStatusSchema,
  printerColumns: [
    { name: "Age", type: "date", jsonPath: ".metadata.creationTimestamp" },
    { name: "Ready", type: "string", jsonPath: '.status.conditions[?(@.type=="Ready")].status' },
    { name: "Status", type: "string", jsonPath: '.status.conditions[?(@.type=="Ready")].message' },
  ],
});

/** A HelmRelease object. */
export type HelmRelease = ObjectOf<typeof HelmReleaseKind>;
