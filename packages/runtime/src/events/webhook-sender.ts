import { setTimeout as sleep } from "node:timers/promises";
import { postJson } from "./post-json.js";
import type { FluxEvent } from "./types.js";

/** How events are POSTed to notification-controller. */
export interface WebhookOptions {
  /** Retries after the first attempt (default 4, as go-retryablehttp). */
  retries?: number;
  /** Timeout of one attempt in ms (default 5 s, as Flux). */
  timeoutMs?: number;
  /** First backoff in ms, doubled per retry (default 1 s). */
  retryWaitMinMs?: number;
  /** Largest backoff in ms (default 30 s). */
  retryWaitMaxMs?: number;
}

/** Outcome of one event POST: `sent` (2xx), `duplicate` (429: the receiver already has it). */
export type WebhookResult = "sent" | "duplicate";

/** The event receiver could not be reached or refused the event. */
export class EventDeliveryError extends Error {
  constructor(
    message: string,
    readonly status?: number,
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = "EventDeliveryError";
  }
}

/**
 * POSTs a Flux event as JSON to `address` (`--events-addr`). Retries connection errors, timeouts and 5xx
 * (not 501) with exponential backoff; a 429 means notification-controller rate-limited a duplicate and
 * is neither retried nor an error. Throws {@link EventDeliveryError} once retries run out or on another status.
 */
export async function postFluxEvent(
  address: string,
  event: FluxEvent,
  options: WebhookOptions = {},
): Promise<WebhookResult> {
  const retries = options.retries ?? 4;
  const timeoutMs = options.timeoutMs ?? 5_000;
  const waitMin = options.retryWaitMinMs ?? 1_000;
  const waitMax = options.retryWaitMaxMs ?? 30_000;
  const body = JSON.stringify(event);
  let last: EventDeliveryError | undefined;
  for (let attempt = 0; attempt <= retries; attempt++) {
    if (attempt > 0) await sleep(Math.min(waitMax, waitMin * 2 ** (attempt - 1)));
    let status: number;
    try {
      status = await postJson(address, body, timeoutMs);
    } catch (err: unknown) {
      const reason = err instanceof Error ? err.message : String(err);
      last = new EventDeliveryError(`POST ${address}: ${reason}`, undefined, { cause: err });
      continue;
    }
    if (status >= 200 && status < 300) return "sent";
    if (status === 429) return "duplicate";
    const failure = new EventDeliveryError(`POST ${address}: HTTP ${status}`, status);
    if (status < 500 || status === 501) throw failure;
    last = failure;
  }
  throw new EventDeliveryError(
    `giving up after ${retries + 1} attempts: ${last?.message ?? "unknown error"}`,
    last?.status,
    { cause: last },
  );
}
