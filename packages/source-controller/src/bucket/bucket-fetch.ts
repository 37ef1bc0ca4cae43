// Listing and downloading a bucket's objects as Flux's fetchEtagIndex / fetchIndexFiles: `.sourceignore` from
// the bucket root plus `spec.ignore` (no default exclusions for buckets), keys ending in `/` and the ignore
// file itself left out, downloads in parallel (bounded) to `<dir>/<key>` kept inside `dir`.

import { mkdir, readFile } from "node:fs/promises";
import { dirname, join, posix } from "node:path";
import type { Logger } from "@sluice/runtime/logging";
import { IgnoreMatcher, readPatterns, SOURCE_IGNORE_FILE } from "../internal/ignore/index.js";
import type { ObjectIndex } from "./index-digest.js";
import type { S3BucketClient } from "./s3-client.js";

/** At most this many downloads at once (Flux bounds its goroutines at 100; Node shares one thread). */
const MAX_CONCURRENT_FETCHES = 20;

/** A failed bucket operation; the message is Flux's. */
export class BucketOperationError extends Error {
  override readonly name = "BucketOperationError";
}

/**
 * Fills `index` with the key and ETag of every object of `bucket` under `prefix` that the ignore rules keep;
 * the bucket's `.sourceignore` is downloaded to `<dir>/.sourceignore`.
 */
export async function fetchEtagIndex(
  client: S3BucketClient,
  bucket: string,
  prefix: string,
  specIgnore: string | undefined,
  index: ObjectIndex,
  dir: string,
): Promise<void> {
  let exists: boolean;
  try {
    exists = await client.bucketExists(bucket);
  } catch (err: unknown) {
    throw new BucketOperationError(`failed to confirm existence of '${bucket}' bucket: ${client.describe(err)}`, {
      cause: err,
    });
  }
  if (!exists) throw new BucketOperationError(`bucket '${bucket}' not found`);

  const ignorePath = join(dir, SOURCE_IGNORE_FILE);
  let found: string | undefined;
  try {
    found = await client.fetchObject(bucket, SOURCE_IGNORE_FILE, ignorePath);
  } catch (err: unknown) {
    throw new BucketOperationError(`failed to get Etag for '${SOURCE_IGNORE_FILE}' object: ${client.describe(err)}`, {
      cause: err,
    });
  }
  const patterns = found === undefined ? [] : readPatterns(await readFile(ignorePath, "utf8"));
  // In-spec patterns come last and so take precedence.
  if (specIgnore !== undefined) patterns.push(...readPatterns(specIgnore));
  const matcher = new IgnoreMatcher(patterns);

  try {
    await client.visitObjects(bucket, prefix, (key, etag) => {
      if (key.endsWith("/") || key === SOURCE_IGNORE_FILE) return;
      if (matcher.excludes(key.split("/"), false)) return;
      index.add(key, etag);
    });
  } catch (err: unknown) {
    throw new BucketOperationError(
      `indexation of objects from bucket '${bucket}' failed: listing objects from bucket '${bucket}' failed: ${client.describe(err)}`,
      { cause: err },
    );
  }
}

/**
 * Downloads every object of `index` to `<dir>/<key>`; an object gone since the listing leaves the index,
 * one whose ETag changed gets the new ETag.
 */
export async function fetchIndexFiles(
  client: S3BucketClient,
  bucket: string,
  index: ObjectIndex,
  dir: string,
  log: Logger,
): Promise<void> {
  const queue = index.entries();
  const worker = async (): Promise<void> => {
    for (let next = queue.shift(); next; next = queue.shift()) {
      const [key, listed] = next;
      const path = secureJoin(dir, key);
      let etag: string | undefined;
      try {
        await mkdir(dirname(path), { recursive: true });
        etag = await client.fetchObject(bucket, key, path);
      } catch (err: unknown) {
        queue.length = 0;
        throw new BucketOperationError(
          `fetch from bucket '${bucket}' failed: failed to get '${key}' object: ${client.describe(err)}`,
          { cause: err },
        );
      }
      if (etag === undefined) {
        log.info(`indexed object '${key}' disappeared from '${bucket}' bucket`);
        index.delete(key);
      } else if (etag !== listed) {
        index.add(key, etag);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(MAX_CONCURRENT_FETCHES, queue.length) }, worker));
}

/** `root/key` with `..` and absolute parts resolved lexically inside `root` (as filepath-securejoin). */
export function secureJoin(root: string, key: string): string {
  return join(root, posix.normalize(`/${key}`).slice(1));
}
