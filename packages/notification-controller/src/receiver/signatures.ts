// Constant-time webhook authentication helpers: HMAC signatures in GitHub's `<alg>=<hex>` form and plain
// shared tokens, compared with crypto.timingSafeEqual over fixed-length digests.

import { createHash, createHmac, timingSafeEqual } from "node:crypto";

/** Compares two secrets in time independent of where they differ (and of their lengths). */
export function constantTimeEqual(a: string | Buffer, b: string | Buffer): boolean {
  const da = createHash("sha256").update(a).digest();
  const db = createHash("sha256").update(b).digest();
  return timingSafeEqual(da, db) && Buffer.byteLength(a) === Buffer.byteLength(b);
}

const ALGORITHMS: Record<string, string> = { sha1: "sha1", sha256: "sha256", sha512: "sha512" };

/**
 * Checks a `sha1=…`/`sha256=…`/`sha512=…` signature header against HMAC(body, key) (go-github's
 * ValidateSignature). Returns undefined when valid, else the reason.
 */
export function checkHmacSignature(header: string | undefined, body: Buffer, key: string): string | undefined {
  if (!header) return "missing signature";
  const eq = header.indexOf("=");
  if (eq === -1) return "error parsing signature";
  const alg = ALGORITHMS[header.slice(0, eq)];
  if (!alg) return `unknown hash type prefix: ${header.slice(0, eq)}`;
  const given = header.slice(eq + 1);
  if (!/^[0-9a-fA-F]+$/.test(given)) return "error decoding signature";
  const expected = createHmac(alg, key).update(body).digest("hex");
  return constantTimeEqual(given.toLowerCase(), expected) ? undefined : "payload signature check failed";
}

/** `sha256=<hex>` HMAC of a body (what GitHub sends in X-Hub-Signature-256). */
export function signBody(body: Buffer | string, key: string, alg: "sha1" | "sha256" | "sha512" = "sha256"): string {
  return `${alg}=${createHmac(alg, key).update(body).digest("hex")}`;
}
