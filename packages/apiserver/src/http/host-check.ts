// DNS-rebinding protection for the plain-HTTP loopback mode: a browser tricked into sending requests to the
// server under a foreign name sends that name in `Host`, so only loopback names are served.

import { ApiError } from "../errors.js";

/** Tells whether a Host header names the loopback interface: `localhost`, `127.x.x.x` or `[::1]`, any port. */
export function isLoopbackHost(host: string | undefined): boolean {
  if (host === undefined || host === "") return false;
  const m = /^(\[[^\]]+\]|[^:]+)(?::(\d{1,5}))?$/.exec(host.trim().toLowerCase());
  if (!m) return false;
  const name = m[1]!;
  return (
    name === "localhost" ||
    name === "[::1]" ||
    /^127\.(25[0-5]|2[0-4]\d|1?\d?\d)\.(25[0-5]|2[0-4]\d|1?\d?\d)\.(25[0-5]|2[0-4]\d|1?\d?\d)$/.test(name)
  );
}

/** 421 for a request whose Host is not a loopback name. */
export function misdirectedHost(host: string | undefined): ApiError {
  return new ApiError(
    421,
    "MisdirectedRequest",
    `Host ${JSON.stringify(host ?? "")} is not a loopback name: this plain-HTTP server answers only requests for localhost, 127.0.0.1 or [::1] (DNS rebinding protection)`,
  );
}
