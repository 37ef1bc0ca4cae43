// The tag database of the image-reflector-controller (Flux's filesystem storage): one file per
// ImageRepository under `<storage-path>/imagerepository/<namespace>/<name>/`, one tag per line, gzipped
// past a threshold, written atomically (temporary file + rename). The tags survive a restart, so policies
// are served without a rescan; the revision is the sha256 of the lines, as Flux computes it.

import { createHash } from "node:crypto";
import { mkdir, readFile, rename, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { gunzipSync, gzipSync } from "node:zlib";

/** Options of a {@link TagStore}. */
export interface TagStoreOptions {
  /** `--storage-path`. */
  root: string;
  /** `--storage-compression-threshold` in bytes: tag files at least this large are gzipped (default 64 KiB). */
  compressionThreshold?: number | undefined;
  /** Most tags stored per repository (default 100 000): a scan above it fails instead of filling the disk. */
  maxTags?: number | undefined;
}

/** A tag list the store refuses (more than `maxTags`). */
export class TagStoreLimitError extends Error {
  override readonly name = "TagStoreLimitError";
}

const PLAIN = "tags";
const GZIP = "tags.gz";
const NAME = /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/;

/** Durable per-ImageRepository tag lists. */
export class TagStore {
  readonly root: string;
  readonly #threshold: number;
  readonly #maxTags: number;

  constructor(options: TagStoreOptions) {
    this.root = options.root;
    this.#threshold = options.compressionThreshold ?? 64 * 1024;
    this.#maxTags = options.maxTags ?? 100_000;
  }

  /** The `sha256:<hex>` revision of a tag list (sha256 of the tags, one per line). */
  static revision(tags: readonly string[]): string {
    return `sha256:${createHash("sha256").update(serialize(tags)).digest("hex")}`;
  }

  /** Stores `tags` for ImageRepository `namespace/name`; returns their revision. */
  async set(namespace: string, name: string, tags: readonly string[]): Promise<string> {
    if (tags.length > this.#maxTags) {
      throw new TagStoreLimitError(`${tags.length} tags is more than the ${this.#maxTags} stored per repository`);
    }
    const dir = this.#dir(namespace, name);
    await mkdir(dir, { recursive: true, mode: 0o700 });
    const bytes = serialize(tags);
    const gzip = bytes.length >= this.#threshold;
    const file = join(dir, gzip ? GZIP : PLAIN);
    const tmp = `${file}.${process.pid}.${Date.now()}.tmp`;
    await writeFile(tmp, gzip ? gzipSync(bytes) : bytes, { mode: 0o600 });
    await rename(tmp, file);
    await rm(join(dir, gzip ? PLAIN : GZIP), { force: true });
    return TagStore.revision(tags);
  }

  /** The stored tags of `namespace/name` (empty when never scanned or deleted). */
  async get(namespace: string, name: string): Promise<string[]> {
    const dir = this.#dir(namespace, name);
    for (const [file, gz] of [
      [GZIP, true],
      [PLAIN, false],
    ] as const) {
      let data: Buffer;
      try {
        data = await readFile(join(dir, file));
      } catch (err: unknown) {
        if ((err as NodeJS.ErrnoException).code === "ENOENT") continue;
        throw err;
      }
      const text = (gz ? gunzipSync(data) : data).toString("utf8");
      return text.split("\n").filter((t) => t !== "");
    }
    return [];
  }

  /** Forgets the tags of `namespace/name`. */
  async delete(namespace: string, name: string): Promise<void> {
    await rm(this.#dir(namespace, name), { recursive: true, force: true });
  }

  #dir(namespace: string, name: string): string {
    if (!NAME.test(namespace) || !NAME.test(name)) {
      throw new Error(`invalid ImageRepository name '${namespace}/${name}'`);
    }
    return join(this.root, "imagerepository", namespace, name);
  }
}

function serialize(tags: readonly string[]): Buffer {
  return Buffer.from(tags.map((t) => `${t}\n`).join(""), "utf8");
}
