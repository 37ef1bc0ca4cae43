// File helpers of the data directory: everything in it is readable by its owner only (Secrets are stored
// unencrypted), whatever the umask, and writes are complete or reported.

import {
  chmodSync,
  closeSync,
  fchmodSync,
  fsyncSync,
  lstatSync,
  mkdirSync,
  openSync,
  readdirSync,
  writeSync,
} from "node:fs";
import { join } from "node:path";

/** Mode of the data directory. */
export const DIR_MODE = 0o700;
/** Mode of every file in it. */
export const FILE_MODE = 0o600;

/**
 * Creates `dir` (and missing parents) and makes it 0700 and every regular file directly inside it 0600, so a
 * directory or files created before (or under a permissive umask) are tightened too.
 */
export function preparePrivateDir(dir: string): void {
  mkdirSync(dir, { recursive: true, mode: DIR_MODE });
  if ((lstatSync(dir).mode & 0o777) !== DIR_MODE) chmodSync(dir, DIR_MODE);
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const path = join(dir, entry.name);
    if ((lstatSync(path).mode & 0o777) !== FILE_MODE) chmodSync(path, FILE_MODE);
  }
}

/** Opens (creating with mode 0600) a file of the data directory; an existing file is made 0600 as well. */
export function openPrivate(path: string, flags: string | number): number {
  const fd = openSync(path, flags, FILE_MODE);
  try {
    fchmodSync(fd, FILE_MODE);
  } catch (err: unknown) {
    closeSync(fd);
    throw err;
  }
  return fd;
}

/**
 * Writes all of `data` at `position`, looping over short writes (a full disk can take part of a buffer before
 * it refuses the rest); throws on the first failing call, leaving whatever was written before it.
 */
export function writeFully(fd: number, data: Buffer, position: number): void {
  let done = 0;
  while (done < data.length) {
    const n = writeSync(fd, data, done, data.length - done, position + done);
    if (n <= 0) throw Object.assign(new Error("write made no progress"), { code: "EIO" });
    done += n;
  }
}

/** Makes the entries of a directory (created, renamed, removed files) durable. */
export function fsyncDir(dir: string): void {
  const fd = openSync(dir, "r");
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}
