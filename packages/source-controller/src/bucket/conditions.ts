// How a Bucket's Ready condition is derived (Flux's bucketReadyCondition): the shared source conditions only.

import { sourceConditions } from "../internal/reconcile/source-conditions.js";

/** The Bucket's owned, Ready and failure conditions. */
export const BUCKET_CONDITIONS = sourceConditions();
