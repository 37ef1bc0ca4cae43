// The browser's side of the typed API: JSON fetches, the session's CSRF token on every POST.

import { CSRF_HEADER, type Session } from "../shared/api.js";

/** An API answer other than 2xx, with the server's message. */
export class RequestError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
    this.name = "RequestError";
  }
}

let csrfToken = "";

async function answer<T>(res: Response): Promise<T> {
  const text = await res.text();
  const body = text ? (JSON.parse(text) as unknown) : undefined;
  if (!res.ok) {
    const message = (body as { error?: string } | undefined)?.error ?? res.statusText;
    throw new RequestError(res.status, `${res.status}: ${message}`);
  }
  return body as T;
}

/** GETs a JSON API path. */
export async function getJson<T>(path: string, signal?: AbortSignal): Promise<T> {
  return answer<T>(await fetch(path, { credentials: "same-origin", ...(signal ? { signal } : {}) }));
}

/** POSTs JSON with the CSRF token. */
export async function postJson<T>(path: string, body: unknown = {}): Promise<T> {
  const res = await fetch(path, {
    method: "POST",
    credentials: "same-origin",
    headers: { "Content-Type": "application/json", [CSRF_HEADER]: csrfToken },
    body: JSON.stringify(body),
  });
  return answer<T>(res);
}

/** Remembers the session's CSRF token for later POSTs. */
export function rememberSession(session: Session): void {
  csrfToken = session.csrfToken;
}
