import { existsSync, readFileSync, renameSync } from "node:fs";
import { join } from "node:path";
import { logStorage } from "../log.js";
import type { KubeObject } from "../util/meta.js";
import { fsyncDir, preparePrivateDir } from "./private-files.js";
import { readSnapshot, type StoreState, writeSnapshot } from "./snapshot.js";
import { StorageError } from "./storage-error.js";
import { scanWal, type WalRecord } from "./wal-format.js";
import { WalWriter } from "./wal-writer.js";

export type { StoreState } from "./snapshot.js";
export type { WalRecord } from "./wal-format.js";

/** File name of the write-ahead log inside the data directory. */
export const WAL_FILE = "wal.jsonl";

/** How long after a failed attempt to write a snapshot (to recover the log) the next write tries again. */
const REPAIR_INTERVAL_MS = 1000;

/**
 * Durable storage in a data directory (0700, files 0600): a snapshot plus an append-only write-ahead log.
 *
 * - {@link append} puts a record in the kernel before the write is committed in memory (a write the log could not
 *   take whole is refused with a {@link StorageError} and leaves nothing behind); {@link flush} resolves once it
 *   is on disk (fdatasync, shared by concurrent writes), and the server acknowledges writes only after that.
 * - {@link load} keeps every intact record, also those after a torn one, and reports the damage with file and
 *   offset; a log with damage in the middle is kept beside the new one for inspection.
 * - While the log is in an unknown state (a failed fdatasync or truncation, or no snapshot could be written at
 *   start), writes are refused until a new snapshot of the whole state is on disk: each write tries that again
 *   (at most once a second), so the server recovers on its own once the disk has room.
 */
export class FilePersistence {
  private readonly wal: WalWriter;
  /** Set while a snapshot must be written before the log can be appended to again. */
  private needsSnapshot: StorageError | undefined;
  private nextRepairAt = 0;
  /** Log length below which compaction is not retried after it failed. */
  private compactRetryAt = 0;
  /** Name to move a damaged log to once a snapshot holds what was read from it. */
  private keepDamagedLogAs: string | undefined;
  /** Set while writes are being refused (logged once per outage). */
  private refusing: StorageError | undefined;

  constructor(private readonly dir: string) {
    this.wal = new WalWriter(join(dir, WAL_FILE), dir);
  }

  /**
   * Prepares the directory (creating it 0700, tightening existing files to 0600), reads the snapshot and replays
   * the log, then writes a fresh snapshot and starts an empty log. A snapshot that cannot be read throws; one that
   * cannot be written (a full disk) leaves the files as they are and writes refused until it can.
   */
  load(): StoreState {
    preparePrivateDir(this.dir);
    const snapshot = readSnapshot(this.dir);
    const objects = new Map<string, { collection: string; key: string; object: KubeObject }>();
    for (const o of snapshot.objects) objects.set(`${o.collection}\u0000${o.key}`, o);
    let rv = snapshot.rv;
    const walPath = join(this.dir, WAL_FILE);
    if (existsSync(walPath)) {
      const { records, damage } = scanWal(readFileSync(walPath));
      for (const rec of records) {
        // Records the snapshot already holds (a crash between writing it and emptying the log).
        if (rec.rv <= snapshot.rv) continue;
        rv = Math.max(rv, rec.rv);
        const id = `${rec.collection}\u0000${rec.key}`;
        if (rec.object === null) objects.delete(id);
        else objects.set(id, { collection: rec.collection, key: rec.key, object: rec.object });
      }
      for (const d of damage) {
        logStorage(
          d.tail ? "warn" : "error",
          d.tail ? "skipped an interrupted last record" : "skipped a damaged record",
          {
            file: walPath,
            offset: d.offset,
            length: d.length,
            recordsKept: records.length,
          },
        );
      }
      if (damage.some((d) => !d.tail)) {
        this.keepDamagedLogAs = `${WAL_FILE}.damaged-${new Date().toISOString().replace(/[:.]/g, "-")}`;
      }
    }
    const state: StoreState = { rv, objects: [...objects.values()] };
    try {
      this.compact(state);
    } catch (err: unknown) {
      if (!(err instanceof StorageError)) throw err;
      this.needsSnapshot = err;
      logStorage("error", "cannot write a snapshot at start; serving reads, refusing writes until it can", {
        dir: this.dir,
        error: err.message,
      });
    }
    return state;
  }

  /**
   * Appends one record. Throws {@link StorageError} (nothing written) when the log cannot take it; `state` gives
   * the committed state for the snapshot that recovers a log in an unknown state.
   */
  append(rec: WalRecord, state: () => StoreState): void {
    try {
      if (this.needsSnapshot || this.wal.failure) this.repair(state);
      this.wal.append(rec);
    } catch (err: unknown) {
      if (err instanceof StorageError && !this.refusing) {
        this.refusing = err;
        logStorage("error", "refusing writes: the write-ahead log cannot be appended to", { error: err.message });
      }
      throw err;
    }
    if (this.refusing) {
      this.refusing = undefined;
      logStorage("info", "writes accepted again", { dir: this.dir });
    }
  }

  /** Number of records in the log since the last snapshot. */
  get logLength(): number {
    return this.wal.length;
  }

  /**
   * Writes a snapshot and empties the log once it holds `threshold` records. A failure (a full disk) is logged,
   * leaves the log as it is, and is retried after more records.
   */
  maybeCompact(threshold: number, state: () => StoreState): void {
    const length = this.wal.length;
    if (length < threshold || length < this.compactRetryAt) return;
    try {
      this.compact(state());
      this.compactRetryAt = 0;
    } catch (err: unknown) {
      if (!(err instanceof StorageError)) throw err;
      this.compactRetryAt = length + Math.max(1000, Math.floor(threshold / 10));
      logStorage("warn", "compaction failed; the log stays as it is", { error: err.message });
    }
  }

  /** Resolves once every appended record is on disk; rejects with {@link StorageError} when that failed. */
  flush(): Promise<void> {
    return this.wal.flush();
  }

  /** Makes the log durable and closes it. */
  close(): void {
    this.wal.close();
  }

  /** Writes `state` as the snapshot, then starts an empty log (a damaged one is moved aside first). */
  private compact(state: StoreState): void {
    writeSnapshot(this.dir, state);
    if (this.keepDamagedLogAs) {
      const kept = join(this.dir, this.keepDamagedLogAs);
      try {
        renameSync(join(this.dir, WAL_FILE), kept);
        fsyncDir(this.dir);
      } catch (err: unknown) {
        throw StorageError.from("moving the damaged log aside to", kept, err);
      }
      logStorage("warn", "kept the damaged log for inspection; its intact records are in the snapshot", {
        file: kept,
      });
      this.keepDamagedLogAs = undefined;
    }
    this.wal.reset();
    this.needsSnapshot = undefined;
  }

  /** Recovers a log in an unknown state by a snapshot of the committed state (at most once a second). */
  private repair(state: () => StoreState): void {
    const now = Date.now();
    const pending = this.needsSnapshot ?? this.wal.failure;
    if (pending && now < this.nextRepairAt) throw pending;
    try {
      this.compact(state());
    } catch (err: unknown) {
      this.nextRepairAt = now + REPAIR_INTERVAL_MS;
      if (err instanceof StorageError) this.needsSnapshot = err;
      throw err;
    }
    logStorage("info", "wrote a new snapshot; the log is usable again", { dir: this.dir });
  }
}
