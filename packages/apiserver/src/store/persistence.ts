import {
  closeSync,
  existsSync,
  fdatasync,
  fsyncSync,
  mkdirSync,
  openSync,
  readFileSync,
  renameSync,
  writeSync,
} from "node:fs";
import { join } from "node:path";
import type { KubeObject } from "../util/meta.js";

/** One durable change: an object put (or removed when `object` is null) at a resourceVersion. */
export interface WalRecord {
  rv: number;
  collection: string;
  key: string;
  object: KubeObject | null;
}

/** What a data directory held at start. */
export interface LoadedState {
  rv: number;
  objects: { collection: string; key: string; object: KubeObject }[];
}

const SNAPSHOT = "snapshot.jsonl";
const WAL = "wal.jsonl";

/**
 * Durable storage in a data directory: a snapshot plus an append-only write-ahead log. Every write is in the
 * kernel before the call returns (survives kill -9); `flush()` resolves once it is on disk (fdatasync,
 * shared by all writes of the same tick), and the server acknowledges writes only after it.
 */
export class FilePersistence {
  private fd: number | undefined;
  private pending: Promise<void> | undefined;
  private walRecords = 0;

  constructor(private readonly dir: string) {}

  /** Reads the snapshot and replays the log; a torn last line (crash mid-write) is ignored. */
  load(): LoadedState {
    mkdirSync(this.dir, { recursive: true });
    const objects = new Map<string, { collection: string; key: string; object: KubeObject }>();
    let rv = 0;
    const snapPath = join(this.dir, SNAPSHOT);
    if (existsSync(snapPath)) {
      const lines = readFileSync(snapPath, "utf8").split("\n");
      const header = JSON.parse(lines[0] ?? "{}") as { rv?: number };
      rv = header.rv ?? 0;
      for (const line of lines.slice(1)) {
        if (line === "") continue;
        const [collection, key, object] = JSON.parse(line) as [string, string, KubeObject];
        objects.set(`${collection}\u0000${key}`, { collection, key, object });
      }
    }
    const walPath = join(this.dir, WAL);
    if (existsSync(walPath)) {
      for (const line of readFileSync(walPath, "utf8").split("\n")) {
        if (line === "") continue;
        let rec: WalRecord;
        try {
          rec = JSON.parse(line) as WalRecord;
        } catch {
          break; // torn write at the tail
        }
        rv = Math.max(rv, rec.rv);
        const id = `${rec.collection}\u0000${rec.key}`;
        if (rec.object === null) objects.delete(id);
        else objects.set(id, { collection: rec.collection, key: rec.key, object: rec.object });
      }
    }
    const state: LoadedState = { rv, objects: [...objects.values()] };
    this.compact(state);
    return state;
  }

  /** Writes a fresh snapshot atomically and starts an empty log. */
  compact(state: LoadedState): void {
    if (this.fd !== undefined) closeSync(this.fd);
    const tmp = join(this.dir, `${SNAPSHOT}.tmp`);
    const fd = openSync(tmp, "w");
    const chunks: string[] = [`${JSON.stringify({ rv: state.rv })}\n`];
    for (const o of state.objects) chunks.push(`${JSON.stringify([o.collection, o.key, o.object])}\n`);
    let buf = "";
    for (const c of chunks) {
      buf += c;
      if (buf.length > 1 << 20) {
        writeSync(fd, buf);
        buf = "";
      }
    }
    if (buf !== "") writeSync(fd, buf);
    fsyncSync(fd);
    closeSync(fd);
    renameSync(tmp, join(this.dir, SNAPSHOT));
    this.fd = openSync(join(this.dir, WAL), "w");
    fsyncSync(this.fd);
    const dirFd = openSync(this.dir, "r");
    fsyncSync(dirFd);
    closeSync(dirFd);
    this.walRecords = 0;
  }

  /** Appends one record (synchronously in the kernel). */
  append(rec: WalRecord): void {
    if (this.fd === undefined) throw new Error("persistence not loaded");
    writeSync(this.fd, `${JSON.stringify(rec)}\n`);
    this.walRecords++;
  }

  /** Number of records in the log since the last snapshot. */
  get logLength(): number {
    return this.walRecords;
  }

  /** Resolves once every appended record is on disk. */
  flush(): Promise<void> {
    if (this.pending) return this.pending;
    const fd = this.fd;
    if (fd === undefined) return Promise.resolve();
    this.pending = new Promise<void>((resolve, reject) => {
      setImmediate(() => {
        this.pending = undefined;
        fdatasync(fd, (err) => (err ? reject(err) : resolve()));
      });
    });
    return this.pending;
  }

  /** Closes the log file. */
  close(): void {
    if (this.fd !== undefined) {
      fsyncSync(this.fd);
      closeSync(this.fd);
      this.fd = undefined;
    }
  }
}
