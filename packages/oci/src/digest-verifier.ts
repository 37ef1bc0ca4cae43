// A pass-through stream that checks content against its sha256 digest and size.

import { createHash } from "node:crypto";
import { Transform, type TransformCallback } from "node:stream";
import { OciDigestMismatchError } from "./errors.js";

/**
 * Passes bytes through while hashing them; errors with {@link OciDigestMismatchError} past the size limit or,
 * at the end, on a digest or size mismatch.
 */
export class DigestVerifier extends Transform {
  private readonly hash = createHash("sha256");
  private size = 0;

  constructor(
    private readonly digest: string,
    private readonly expectedSize: number | undefined,
    private readonly maxSize: number | undefined,
    private readonly what: string,
  ) {
    super();
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    this.size += chunk.length;
    const limit = this.maxSize ?? this.expectedSize;
    if (limit !== undefined && this.size > limit) {
      done(new OciDigestMismatchError(`${this.what}: blob is larger than ${limit} bytes`));
      return;
    }
    this.hash.update(chunk);
    done(null, chunk);
  }

  override _flush(done: TransformCallback): void {
    const actual = `sha256:${this.hash.digest("hex")}`;
    if (actual !== this.digest) {
      done(new OciDigestMismatchError(`${this.what}: blob digest is ${actual}, want ${this.digest}`));
      return;
    }
    if (this.expectedSize !== undefined && this.size !== this.expectedSize) {
      done(new OciDigestMismatchError(`${this.what}: blob is ${this.size} bytes, want ${this.expectedSize}`));
      return;
    }
    done();
  }
}
