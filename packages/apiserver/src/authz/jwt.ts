// Compact JWS (ES256) signing and verification with node:crypto, for ServiceAccount tokens.

import { createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject, sign, verify } from "node:crypto";

/** JWT claims (any JSON). */
export type Claims = Record<string, unknown>;

function b64url(data: Buffer | string): string {
  return Buffer.from(data).toString("base64url");
}

/** An ES256 key pair that signs and verifies tokens. */
export class JwtSigner {
  private readonly publicKey: KeyObject;
  /** Key id (`kid` header): a digest-free, stable label derived from the public key. */
  readonly keyId: string;

  private constructor(private readonly privateKey: KeyObject) {
    this.publicKey = createPublicKey(privateKey);
    const der = this.publicKey.export({ type: "spki", format: "der" });
    this.keyId = b64url(der.subarray(der.length - 24));
  }

  /** A fresh P-256 key. */
  static generate(): JwtSigner {
    return new JwtSigner(generateKeyPairSync("ec", { namedCurve: "P-256" }).privateKey);
  }

  /** A signer from a PKCS#8 PEM private key. */
  static fromPem(pem: string): JwtSigner {
    return new JwtSigner(createPrivateKey(pem));
  }

  /** The private key as PKCS#8 PEM (to keep it across restarts). */
  toPem(): string {
    return this.privateKey.export({ type: "pkcs8", format: "pem" }).toString();
  }

  /** Signs claims into a compact JWS. */
  sign(claims: Claims): string {
    const head = b64url(JSON.stringify({ alg: "ES256", kid: this.keyId }));
    const body = b64url(JSON.stringify(claims));
    const sig = sign("sha256", Buffer.from(`${head}.${body}`), { key: this.privateKey, dsaEncoding: "ieee-p1363" });
    return `${head}.${body}.${b64url(sig)}`;
  }

  /** The claims of a token this key signed, or undefined for anything else (bad shape, algorithm or signature). */
  verify(token: string): Claims | undefined {
    const parts = token.split(".");
    if (parts.length !== 3) return undefined;
    const [head, body, sig] = parts as [string, string, string];
    try {
      const header = JSON.parse(Buffer.from(head, "base64url").toString("utf8")) as { alg?: unknown };
      if (header.alg !== "ES256") return undefined;
      const ok = verify(
        "sha256",
        Buffer.from(`${head}.${body}`),
        { key: this.publicKey, dsaEncoding: "ieee-p1363" },
        Buffer.from(sig, "base64url"),
      );
      if (!ok) return undefined;
      const claims = JSON.parse(Buffer.from(body, "base64url").toString("utf8")) as unknown;
      return claims !== null && typeof claims === "object" && !Array.isArray(claims) ? (claims as Claims) : undefined;
    } catch {
      return undefined;
    }
  }
}
