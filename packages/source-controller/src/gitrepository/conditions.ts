// How a GitRepository's Ready condition is derived (Flux's gitRepositoryReadyCondition): the shared source
// conditions with IncludeUnavailable, and SourceVerified (a False one overrides Ready).

import { SourceCondition } from "@sluice/api";
import { sourceConditions } from "../internal/reconcile/source-conditions.js";

/** The GitRepository's owned, Ready and failure conditions. */
export const GIT_REPOSITORY_CONDITIONS = sourceConditions({
  failures: [SourceCondition.IncludeUnavailable],
  verified: "bipolar",
});
