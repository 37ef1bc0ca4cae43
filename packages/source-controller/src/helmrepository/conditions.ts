// How a HelmRepository's Ready condition is derived (Flux's helmRepositoryReadyCondition): the shared source
// conditions only.

import { sourceConditions } from "../internal/reconcile/source-conditions.js";

/** The HelmRepository's owned, Ready and failure conditions. */
export const HELM_REPOSITORY_CONDITIONS = sourceConditions();
