// The headers every answer carries and the checks every request passes: Host (DNS rebinding), Origin on
// writes, CSRF token.

import type { IncomingMessage, ServerResponse } from "node:http";

/**
 * The Content-Security-Policy of every page: scripts, styles and connections from this origin only; no
 * inline script, no eval, no framing, no plugins.
 */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "font-src 'self'",
  "connect-src 'self'",
  "manifest-src 'self'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join("; ");

/** Sets the security headers of every answer. */
export function setSecurityHeaders(res: ServerResponse): void {
  res.setHeader("Content-Security-Policy", CONTENT_SECURITY_POLICY);
  res.setHeader("X-Content-Type-Options", "nosniff");
  res.setHeader("X-Frame-Options", "DENY");
  res.setHeader("Referrer-Policy", "no-referrer");
  res.setHeader("Cross-Origin-Opener-Policy", "same-origin");
  res.setHeader("Cross-Origin-Resource-Policy", "same-origin");
}

const LOOPBACK_HOSTS = new Set(["127.0.0.1", "localhost", "[::1]"]);

/**
 * Whether the Host header names this server: a loopback name (127.0.0.1, localhost, [::1]) or one of
 * `allowedHosts` (exact `host` or `host:port`). Anything else is refused, so a DNS-rebound page cannot read
 * the API.
 */
export function hostAllowed(host: string | undefined, allowedHosts: readonly string[]): boolean {
  if (!host) return false;
  const h = host.toLowerCase();
  if (allowedHosts.includes(h)) return true;
  const name = h.startsWith("[") ? h.slice(0, h.indexOf("]") + 1) : h.split(":")[0]!;
  return LOOPBACK_HOSTS.has(name) || allowedHosts.includes(name);
}

/** Whether a state-changing request's Origin (when sent) is this server's own. */
export function originAllowed(req: IncomingMessage): boolean {
  const origin = req.headers.origin;
  if (origin === undefined) return true;
  try {
    return new URL(origin).host.toLowerCase() === (req.headers.host ?? "").toLowerCase();
  } catch {
    return false;
  }
}
