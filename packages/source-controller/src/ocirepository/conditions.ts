// How an OCIRepository's Ready condition is derived (Flux's ociRepositoryReadyCondition): the shared source
// conditions and SourceVerified (a False one overrides Ready).

import { sourceConditions } from "../internal/reconcile/source-conditions.js";

/** The OCIRepository's owned, Ready and failure conditions. */
export const OCI_REPOSITORY_CONDITIONS = sourceConditions({ verified: "bipolar" });
