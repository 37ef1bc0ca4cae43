// How a HelmChart's Ready condition is derived (Flux's helmChartReadyCondition): the shared source conditions
// with BuildFailed, and SourceVerified (summarized only).

import { SourceCondition } from "@sluice/api";
import { sourceConditions } from "../internal/reconcile/source-conditions.js";

/** The HelmChart's owned, Ready and failure conditions. */
export const HELM_CHART_CONDITIONS = sourceConditions({
  failures: [SourceCondition.BuildFailed],
  verified: "positive",
});
