// How a chart build's outcome shows in a HelmChart's conditions (Flux's observeChartBuild).

import { type HelmChart, Reason, SourceCondition, SourceReason } from "@sluice/api";
import { deleteCondition, markTrue } from "@sluice/runtime/conditions";
import { errorMessage, StallingError } from "@sluice/runtime/errors";
import {
  BuildErrorReasons,
  buildSummary,
  type ChartBuild,
  ChartBuildError,
  hasMetadata,
  isComplete,
} from "../internal/chart/index.js";
import { progressiveStatus } from "../internal/reconcile/index.js";

/**
 * Records a build's outcome: a chart (name or version) other than the stored one marks ArtifactOutdated
 * NewChart (when an artifact exists) and Reconciling "building artifact: <summary>"; a complete build clears
 * FetchFailed and BuildFailed; without `spec.verify` SourceVerified goes. A failure marks BuildFailed for the
 * metadata, values, dependency and package stages, FetchFailed for the others — reason `Unknown`,
 * `unknown build error: …` for failures outside the build, as Flux does. Returns true when progress should
 * be persisted now (a new chart).
 */
export function observeBuildConditions(obj: HelmChart, build: ChartBuild, error: unknown): boolean {
  let progressed = false;
  if (hasMetadata(build)) {
    const current = obj.status?.artifact;
    if (build.name !== obj.status?.observedChartName || current?.revision !== build.version) {
      if (current) markTrue(obj, SourceCondition.ArtifactOutdated, "NewChart", buildSummary(build));
      progressiveStatus(true, obj, Reason.Progressing, `building artifact: ${buildSummary(build)}`);
      progressed = true;
    }
  }
  if (isComplete(build)) {
    deleteCondition(obj, SourceCondition.FetchFailed);
    deleteCondition(obj, SourceCondition.BuildFailed);
  }
  if (!obj.spec.verify) deleteCondition(obj, SourceCondition.SourceVerified);
  if (error === undefined) return progressed;
  if (error instanceof StallingError && error.reason === SourceReason.VerificationError) {
    markTrue(obj, SourceCondition.FetchFailed, BuildErrorReasons.Unknown.reason, error.message);
    return progressed;
  }
  const buildError =
    error instanceof ChartBuildError
      ? error
      : new ChartBuildError(BuildErrorReasons.Unknown, errorMessage(error), { cause: error });
  switch (buildError.stage) {
    case BuildErrorReasons.ChartMetadataPatch:
    case BuildErrorReasons.ValuesFilesMerge:
    case BuildErrorReasons.DependencyBuild:
    case BuildErrorReasons.ChartPackage:
      deleteCondition(obj, SourceCondition.FetchFailed);
      markTrue(obj, SourceCondition.BuildFailed, buildError.stage.reason, buildError.message);
      break;
    default:
      deleteCondition(obj, SourceCondition.BuildFailed);
      markTrue(obj, SourceCondition.FetchFailed, buildError.stage.reason, buildError.message);
  }
  return progressed;
}
