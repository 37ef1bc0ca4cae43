// The snapshot of a data directory: a header line `{"rv":N}` and one `[collection, key, object]` line per object,
// written to a temporary file, fsynced and renamed into place, so it is always whole.

import { closeSync, existsSync, fsyncSync, readFileSync, renameSync, rmSync } from "node:fs";
import { join } from "node:path";
import type { KubeObject } from "../util/meta.js";
import { serializeCached } from "../util/serialize.js";
import { fsyncDir, openPrivate, writeFully } from "./private-files.js";
import { StorageError } from "./storage-error.js";

/** File name of the snapshot inside the data directory. */
export const SNAPSHOT_FILE = "snapshot.jsonl";

/** A complete state: every object and the resourceVersion it was taken at. */
export interface StoreState {
  rv: number;
  objects: { collection: string; key: string; object: KubeObject }[];
}

/** Error for a snapshot that cannot be read: the data directory is damaged and the server must not start. */
export class SnapshotDamagedError extends Error {
  constructor(path: string, line: number, offset: number, why: string) {
    super(
      `data directory damaged: ${path} line ${line} (byte offset ${offset}): ${why}; the snapshot is written atomically, so this is not an interrupted write — restore the directory from a backup or move it aside`,
    );
    this.name = "SnapshotDamagedError";
  }
}

/** Reads the snapshot of `dir` (rv 0 and no objects when there is none); throws {@link SnapshotDamagedError}. */
export function readSnapshot(dir: string): StoreState {
  const path = join(dir, SNAPSHOT_FILE);
  if (!existsSync(path)) return { rv: 0, objects: [] };
  const buf = readFileSync(path);
  const state: StoreState = { rv: 0, objects: [] };
  let start = 0;
  let lineNo = 0;
  while (start < buf.length) {
    let end = buf.indexOf(0x0a, start);
    if (end === -1) end = buf.length;
    lineNo++;
    const text = buf.toString("utf8", start, end);
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch (err: unknown) {
      throw new SnapshotDamagedError(path, lineNo, start, (err as Error).message);
    }
    if (lineNo === 1) {
      const rv = (parsed as { rv?: unknown } | null)?.rv;
      if (typeof rv !== "number") throw new SnapshotDamagedError(path, 1, 0, "the header has no resourceVersion");
      state.rv = rv;
    } else {
      if (!Array.isArray(parsed) || parsed.length !== 3 || typeof parsed[2] !== "object" || parsed[2] === null)
        throw new SnapshotDamagedError(path, lineNo, start, "not a [collection, key, object] line");
      const [collection, key, object] = parsed as [string, string, KubeObject];
      state.objects.push({ collection, key, object });
    }
    start = end + 1;
  }
  return state;
}

/**
 * Writes `state` as the snapshot of `dir`: complete and on disk (file and directory entry fsynced) when it
 * returns; on any failure the previous snapshot stays and the partial file is removed ({@link StorageError}).
 */
export function writeSnapshot(dir: string, state: StoreState): void {
  const tmp = join(dir, `${SNAPSHOT_FILE}.tmp`);
  let fd: number | undefined;
  try {
    fd = openPrivate(tmp, "w");
    let position = 0;
    let pending = `${JSON.stringify({ rv: state.rv })}\n`;
    const flush = (): void => {
      const chunk = Buffer.from(pending);
      writeFully(fd!, chunk, position);
      position += chunk.length;
      pending = "";
    };
    for (const o of state.objects) {
      // Stored objects are immutable: their text is usually made already (for watches, responses, the log).
      pending += `[${JSON.stringify(o.collection)},${JSON.stringify(o.key)},${serializeCached(o.object)}]\n`;
      if (pending.length > 1 << 20) flush();
    }
    flush();
    fsyncSync(fd);
    closeSync(fd);
    fd = undefined;
    renameSync(tmp, join(dir, SNAPSHOT_FILE));
    fsyncDir(dir);
  } catch (err: unknown) {
    if (fd !== undefined) closeSync(fd);
    rmSync(tmp, { force: true });
    throw StorageError.from("writing snapshot", tmp, err);
  }
}
