// Polling until a condition holds or the command's --timeout passes.

import { CliError } from "../errors.js";

/** What one poll decides: keep waiting, done with a value, or failed with a message. */
export type PollResult<T> = { done: false } | { done: true; value: T } | { failed: string };

/** Polls `check` every `intervalMs` until it is done or failed, or `timeoutMs` passes (then `what` timed out). */
export async function poll<T>(
  check: () => Promise<PollResult<T>>,
  options: {
    timeoutMs: number;
    what: string;
    intervalMs?: number;
    signal?: AbortSignal | undefined;
    /** The latest state worth telling when the wait times out (e.g. the Ready message). */
    lastState?: () => string | undefined;
  },
): Promise<T> {
  const deadline = Date.now() + options.timeoutMs;
  const interval = options.intervalMs ?? 500;
  for (;;) {
    const result = await check();
    if ("failed" in result) throw new CliError(result.failed);
    if (result.done) return result.value;
    if (options.signal?.aborted) throw new CliError(`interrupted while ${options.what}`);
    if (Date.now() >= deadline) {
      const state = options.lastState?.();
      throw new CliError(`timeout waiting for ${options.what}${state ? `: ${state}` : ""}`);
    }
    await new Promise((r) => setTimeout(r, Math.min(interval, Math.max(0, deadline - Date.now()))));
  }
}
