// The object index of a Bucket and its digest, as Flux's `internal/index.Digester`: a map of object key to
// ETag whose digest hashes one `<key> <etag>\n` line per entry, keys sorted byte-wise (Go's sort.Strings).
// The Bucket's revision is `sha256:<hex>` of that text.

import { createHash } from "node:crypto";

/** Object key → ETag of the objects an artifact is built from. */
export class ObjectIndex {
  readonly #entries = new Map<string, string>();

  /** Sets the ETag of `key`. */
  add(key: string, etag: string): void {
    this.#entries.set(key, etag);
  }

  /** Drops `key` (an object that vanished between listing and download). */
  delete(key: string): void {
    this.#entries.delete(key);
  }

  /** Number of objects. */
  get size(): number {
    return this.#entries.size;
  }

  /** The entries, keys in byte-wise order. */
  entries(): [string, string][] {
    return [...this.#entries].sort(([a], [b]) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
  }

  /** `sha256:<hex>` over the sorted `<key> <etag>\n` lines (the Bucket revision). */
  digest(): string {
    const hash = createHash("sha256");
    for (const [key, etag] of this.entries()) hash.update(`${key} ${etag}\n`);
    return `sha256:${hash.digest("hex")}`;
  }
}
