import { ApiError } from "../errors.js";
import type { ObjectStore } from "../store/object-store.js";

/** How long a list or watch waits for a resourceVersion from the future before 504 (kube's watch cache: 3 s). */
export const FUTURE_RV_WAIT_MS = 3000;

/** 504 Timeout with the ResourceVersionTooLarge cause, as kube-apiserver's NewTooLargeResourceVersionError. */
export function tooLargeResourceVersion(requested: number, current: number): ApiError {
  return new ApiError(504, "Timeout", `Timeout: Too large resource version: ${requested}, current: ${current}`, {
    causes: [{ reason: "ResourceVersionTooLarge", message: "Too large resource version" }],
    retryAfterSeconds: 1,
  });
}

/**
 * Waits until the store has reached `rv` (a client may have seen a write this server has not yet applied);
 * answers the 504 "Too large resource version" when it does not within `timeoutMs`, rather than serving a
 * state from before that version.
 */
export async function awaitResourceVersion(
  store: ObjectStore,
  rv: number,
  timeoutMs = FUTURE_RV_WAIT_MS,
): Promise<void> {
  if (rv <= store.currentRv) return;
  const reached = await new Promise<boolean>((resolve) => {
    const stop = store.onEvent(() => {
      if (store.currentRv >= rv) done(true);
    });
    const timer = setTimeout(() => done(false), timeoutMs);
    function done(ok: boolean): void {
      clearTimeout(timer);
      stop();
      resolve(ok);
    }
  });
  if (!reached) throw tooLargeResourceVersion(rv, store.currentRv);
}

/** The resourceVersion a list or watch asks to be at least at, when it names one (not "" or "0"). */
export function requestedResourceVersion(rv: string | undefined): number | undefined {
  if (rv === undefined || rv === "" || rv === "0") return undefined;
  const n = Number(rv);
  return Number.isInteger(n) && n > 0 ? n : undefined;
}
