import { createHash } from "node:crypto";
import { blake3 } from "@noble/hashes/blake3.js";
import { InvalidDigestError } from "./errors.js";

/** Digest algorithms accepted in `artifact.digest` (the OCI / go-digest names Flux uses). */
export const DigestAlgorithm = {
  SHA256: "sha256",
  SHA384: "sha384",
  SHA512: "sha512",
  BLAKE3: "blake3",
} as const;
/** One of the {@link DigestAlgorithm} names. */
export type DigestAlgorithmName = (typeof DigestAlgorithm)[keyof typeof DigestAlgorithm];

const hexLength: Record<DigestAlgorithmName, number> = { sha256: 64, sha384: 96, sha512: 128, blake3: 64 };

/** A parsed `<algorithm>:<hex>` digest. */
export interface Digest {
  algorithm: DigestAlgorithmName;
  /** Lower-case hex encoding of the hash. */
  hex: string;
}

/**
 * Parses an artifact digest. A bare hex string is read as sha256 (as Flux does for old artifacts).
 * Throws {@link InvalidDigestError} for an empty string, an unknown algorithm or a malformed hex.
 */
export function parseDigest(value: string): Digest {
  if (value === "") throw new InvalidDigestError("empty digest");
  const colon = value.indexOf(":");
  const algorithm = (colon < 0 ? "sha256" : value.slice(0, colon)) as DigestAlgorithmName;
  const hex = (colon < 0 ? value : value.slice(colon + 1)).toLowerCase();
  const length = hexLength[algorithm];
  if (length === undefined) throw new InvalidDigestError(`unsupported digest algorithm '${algorithm}' in '${value}'`);
  if (hex.length !== length || !/^[0-9a-f]+$/.test(hex)) {
    throw new InvalidDigestError(`invalid ${algorithm} digest '${value}': want ${length} hex characters`);
  }
  return { algorithm, hex };
}

/** Formats a digest as `<algorithm>:<hex>`. */
export function formatDigest(digest: Digest): string {
  return `${digest.algorithm}:${digest.hex}`;
}

/** An incremental hash over streamed bytes. */
export interface StreamingHash {
  update(chunk: Uint8Array): void;
  /** Finishes the hash; call once. */
  digest(): Digest;
}

/** Creates an incremental hash for one algorithm. */
export function createStreamingHash(algorithm: DigestAlgorithmName): StreamingHash {
  if (algorithm === "blake3") {
    const h = blake3.create();
    return {
      update: (chunk) => {
        h.update(chunk);
      },
      digest: () => ({ algorithm, hex: Buffer.from(h.digest()).toString("hex") }),
    };
  }
  const h = createHash(algorithm);
  return {
    update: (chunk) => {
      h.update(chunk);
    },
    digest: () => ({ algorithm, hex: h.digest("hex") }),
  };
}

/** Computes the digest of a buffer (tests and artifact producers). */
export function digestOf(data: Uint8Array, algorithm: DigestAlgorithmName = "sha256"): string {
  const h = createStreamingHash(algorithm);
  h.update(data);
  return formatDigest(h.digest());
}
