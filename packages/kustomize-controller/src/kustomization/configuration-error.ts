// The stalling error of a Kustomization whose spec cannot work (Flux's terminal configuration errors).

import { errorMessage, StallingError } from "@sluice/runtime/errors";

/**
 * A StallingError with `reason` and Flux's terminal message, `Reconciliation failed terminally due to
 * configuration error: <err>`: Ready=False and Stalled, the generation observed, no retry until the spec changes.
 */
export function configurationError(reason: string, err: unknown): StallingError {
  return new StallingError(
    reason,
    `Reconciliation failed terminally due to configuration error: ${errorMessage(err)}`,
    {
      cause: err,
    },
  );
}
