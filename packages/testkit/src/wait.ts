// Polling helpers shared by the integration tests: wait until a probe or an API object satisfies a check,
// failing with what was awaited and the last value seen (never a bare timeout).

import type { ApiObject, KubeClient, ObjectRef } from "@sluice/runtime";

/** How long and how often to poll. */
export interface WaitOptions {
  /** Give up after this long, ms (default 60 s). */
  timeoutMs?: number | undefined;
  /** Pause between probes, ms (default 50). */
  intervalMs?: number | undefined;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Polls `probe` until it returns something other than `undefined` or `false`, and returns that. A probe
 * that throws counts as not yet (its message is kept). On timeout, throws
 * `timed out waiting for <what>; last: <last value or error>`.
 */
export async function eventually<T>(
  what: string,
  probe: () => Promise<T | undefined | false> | T | undefined | false,
  options: WaitOptions | number = {},
): Promise<T> {
  const { timeoutMs = 60_000, intervalMs = 50 } = typeof options === "number" ? { timeoutMs: options } : options;
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined && value !== false) return value;
      last = value;
    } catch (err: unknown) {
      last = err instanceof Error ? err.message : err;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; last: ${JSON.stringify(last)}`);
    await sleep(intervalMs);
  }
}

/** What {@link waitForObject} needs of a client: the runtime's KubeClient. */
export type ObjectReader = Pick<KubeClient, "getOptional">;

/**
 * Polls the object at `ref` until it exists and `check` accepts it, and returns it. On timeout, throws
 * `timed out waiting for <Kind> <name>: <what>; status: <its last status>`.
 */
export async function waitForObject<T extends ApiObject & { status?: unknown }>(
  client: ObjectReader,
  ref: ObjectRef,
  check: (obj: T) => boolean,
  what: string,
  options: WaitOptions | number = {},
): Promise<T> {
  const { timeoutMs = 60_000, intervalMs = 50 } = typeof options === "number" ? { timeoutMs: options } : options;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const last = await client.getOptional<T>(ref);
    if (last && check(last)) return last;
    if (Date.now() > deadline) {
      throw new Error(
        `timed out waiting for ${ref.kind} ${ref.name}: ${what}; status: ${JSON.stringify(last?.status)}`,
      );
    }
    await sleep(intervalMs);
  }
}
