// One Kubernetes watch request: a stream of newline-delimited JSON watch events.

import { apiErrorFromResponse, toApiError } from "./api-error.js";
import type { HttpTransport } from "./http-transport.js";

/** A watch event as the API server sends it. */
export interface WatchEvent {
  type: "ADDED" | "MODIFIED" | "DELETED" | "BOOKMARK" | "ERROR";
  object: Record<string, unknown>;
}

/**
 * Watches `path` (`?watch=true` plus `query`) and calls `onEvent` for each event in order. Resolves when the
 * server ends the watch or `signal` aborts it; rejects with an ApiError when the request fails, the server
 * answers with an error status, or `onEvent` throws (the watch is then closed).
 */
export async function watchStream(
  http: HttpTransport,
  path: string,
  query: Record<string, string | number | boolean | undefined>,
  onEvent: (event: WatchEvent) => void,
  signal: AbortSignal,
): Promise<void> {
  if (signal.aborted) return;
  let response: Awaited<ReturnType<HttpTransport["open"]>>;
  try {
    response = await http.open({ method: "GET", path, query: { ...query, watch: true }, signal });
  } catch (err: unknown) {
    if (signal.aborted) return;
    throw toApiError(err);
  }
  response.socket?.setKeepAlive(true, 30_000);
  if (response.statusCode !== 200) {
    let text = "";
    response.setEncoding("utf8");
    try {
      for await (const chunk of response) text += chunk as string;
    } catch {
      // The status is enough.
    }
    throw apiErrorFromResponse(response.statusCode ?? 0, text);
  }
  response.setEncoding("utf8");
  let pending = "";
  try {
    for await (const chunk of response) {
      pending += chunk as string;
      let newline = pending.indexOf("\n");
      while (newline >= 0) {
        const line = pending.slice(0, newline).trim();
        pending = pending.slice(newline + 1);
        if (line !== "") onEvent(JSON.parse(line) as WatchEvent);
        newline = pending.indexOf("\n");
      }
    }
    if (pending.trim() !== "") onEvent(JSON.parse(pending) as WatchEvent);
  } catch (err: unknown) {
    response.destroy();
    if (signal.aborted) return;
    throw err;
  }
}
