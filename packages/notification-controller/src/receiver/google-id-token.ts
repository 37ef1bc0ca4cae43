// Google ID tokens (what Pub/Sub push subscriptions send as `Authorization: Bearer …` to a `gcr` Receiver),
// checked as Go's google.golang.org/api/idtoken Validator does for RS256 tokens: the `aud` claim, the expiry,
// then the signature against Google's published keys (JWKS, cached for the answer's max-age). Written by
// hand with node:crypto: a JWKS fetch and one RS256 verification are a few lines, and no library here does
// Google's key rotation for us any better.

import { createPublicKey, type JsonWebKey, type KeyObject, verify } from "node:crypto";

/** Where Google publishes the keys of the ID tokens it signs with RS256. */
export const GOOGLE_CERTS_URL = "https://www.googleapis.com/oauth2/v3/certs";

/** The token is not a valid Google ID token for the audience; the message says why. */
export class IdTokenError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "IdTokenError";
  }
}

/** The claims of a verified token. */
export type IdTokenClaims = Record<string, unknown>;

function decodePart(part: string, what: string): Record<string, unknown> {
  try {
    const value: unknown = JSON.parse(Buffer.from(part, "base64url").toString("utf8"));
    if (value && typeof value === "object" && !Array.isArray(value)) return value as Record<string, unknown>;
  } catch {
    // reported below
  }
  throw new IdTokenError(`idtoken: unable to decode JWT ${what}`);
}

/** Verifies Google-signed ID tokens; one per process (the keys are shared). */
export class GoogleIdTokenVerifier {
  private keys = new Map<string, KeyObject>();
  private expires = 0;
  private fetched = Number.NEGATIVE_INFINITY;
  private loading: Promise<void> | undefined;

  constructor(
    private readonly certsUrl = GOOGLE_CERTS_URL,
    private readonly now: () => number = Date.now,
  ) {}

  /** The claims of `token` when Google signed it for `audience` and it has not expired; else throws. */
  async verify(token: string, audience: string, signal?: AbortSignal): Promise<IdTokenClaims> {
    const parts = token.split(".");
    if (parts.length !== 3) throw new IdTokenError("idtoken: invalid token, token must have three segments");
    const [h = "", p = "", s = ""] = parts;
    const header = decodePart(h, "header");
    const claims = decodePart(p, "claims");
    if (claims["aud"] !== audience) {
      throw new IdTokenError("idtoken: audience provided does not match aud claim in the JWT");
    }
    const exp = typeof claims["exp"] === "number" ? claims["exp"] : 0;
    if (Math.floor(this.now() / 1000) > exp) throw new IdTokenError(`idtoken: token expired: expires=${exp}`);
    if (header["alg"] !== "RS256") {
      throw new IdTokenError(`idtoken: expected JWT signed with RS256 but found "${String(header["alg"])}"`);
    }
    const key = await this.key(String(header["kid"] ?? ""), signal);
    const valid = verify("RSA-SHA256", Buffer.from(`${h}.${p}`), key, Buffer.from(s, "base64url"));
    if (!valid) throw new IdTokenError("idtoken: invalid token signature");
    return claims;
  }

  private async key(kid: string, signal?: AbortSignal): Promise<KeyObject> {
    // An unknown key id refetches (Google rotates keys), at most once a minute so forged ids can't make
    // every call a fetch.
    const stale = this.now() >= this.expires;
    if (stale || (!this.keys.has(kid) && this.now() - this.fetched > 60_000)) {
      this.loading ??= this.load(signal).finally(() => {
        this.loading = undefined;
      });
      await this.loading;
    }
    const key = this.keys.get(kid);
    if (!key) throw new IdTokenError(`idtoken: could not find matching cert keyId for the token provided`);
    return key;
  }

  private async load(signal?: AbortSignal): Promise<void> {
    let res: Response;
    try {
      res = await fetch(this.certsUrl, { signal: signal ?? AbortSignal.timeout(30_000) });
    } catch (err: unknown) {
      throw new IdTokenError(
        `idtoken: unable to fetch Google's certificates: ${err instanceof Error ? err.message : String(err)}`,
      );
    }
    if (!res.ok) {
      await res.body?.cancel();
      throw new IdTokenError(`idtoken: unable to fetch Google's certificates: status ${res.status}`);
    }
    const jwks = (await res.json()) as { keys?: Array<JsonWebKey & { kid?: string }> };
    const keys = new Map<string, KeyObject>();
    for (const jwk of jwks.keys ?? []) {
      if (!jwk.kid || jwk.kty !== "RSA") continue;
      keys.set(jwk.kid, createPublicKey({ key: jwk, format: "jwk" }));
    }
    const maxAge = Number(/max-age=(\d+)/.exec(res.headers.get("cache-control") ?? "")?.[1] ?? 3600);
    this.keys = keys;
    this.fetched = this.now();
    this.expires = this.now() + maxAge * 1000;
  }
}
