// Chart build failures with Flux's reasons (BuildErrorReason in source-controller's internal/helm/chart):
// the reason names the stage that failed and decides whether retrying can help.

import { HelmChartBuildReason } from "@sluice/api";

/** A build failure stage: condition reason and the summary that prefixes the message. */
export interface BuildErrorReason {
  /** Condition/event reason, e.g. `InvalidChartReference`. */
  readonly reason: string;
  /** Message prefix, e.g. `invalid chart reference`. */
  readonly summary: string;
}

/** The build failure stages, as Flux names them. */
export const BuildErrorReasons = {
  ChartReference: { reason: HelmChartBuildReason.InvalidChartReference, summary: "invalid chart reference" },
  ChartPull: { reason: HelmChartBuildReason.ChartPullError, summary: "chart pull error" },
  ChartMetadataPatch: { reason: HelmChartBuildReason.MetadataPatchError, summary: "chart metadata patch error" },
  ValuesFilesMerge: { reason: HelmChartBuildReason.ValuesFilesError, summary: "values files merge error" },
  DependencyBuild: { reason: HelmChartBuildReason.DependencyBuildError, summary: "dependency build error" },
  ChartPackage: { reason: HelmChartBuildReason.ChartPackageError, summary: "chart package error" },
  ChartVerification: { reason: HelmChartBuildReason.ChartVerificationError, summary: "chart verification error" },
  Unknown: { reason: HelmChartBuildReason.Unknown, summary: "unknown build error" },
} as const satisfies Record<string, BuildErrorReason>;

/** A chart build failure: `<summary>: <cause>`, with the stage's reason. */
export class ChartBuildError extends Error {
  override readonly name = "ChartBuildError";
  constructor(
    /** The failed stage. */
    readonly stage: BuildErrorReason,
    /** What went wrong (no credentials). */
    readonly detail: string,
    options?: { cause?: unknown },
  ) {
    super(`${stage.summary}: ${detail}`, options);
  }
}

/**
 * Whether a stage's failure is persistent — retrying without a spec change cannot help, so the HelmChart
 * stalls: an invalid chart reference, a version metadata patch failure or a values files merge failure.
 */
export function isPersistentBuildError(stage: BuildErrorReason): boolean {
  return (
    stage === BuildErrorReasons.ChartReference ||
    stage === BuildErrorReasons.ChartMetadataPatch ||
    stage === BuildErrorReasons.ValuesFilesMerge
  );
}
