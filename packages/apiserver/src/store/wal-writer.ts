import { closeSync, fdatasync, fsyncSync, ftruncateSync } from "node:fs";
import { fsyncDir, openPrivate, writeFully } from "./private-files.js";
import { StorageError } from "./storage-error.js";
import { encodeRecord, type WalRecord } from "./wal-format.js";

/** fdatasync calls running at once (each holds a libuv thread-pool thread, 4 by default). */
const MAX_SYNCS_IN_FLIGHT = 2;

interface Waiter {
  seq: number;
  resolve: () => void;
  reject: (err: Error) => void;
}

/**
 * Appends records to the write-ahead log and makes them durable with group commit: an append is in the kernel
 * when it returns (it survives kill -9); {@link flush} resolves once every record appended before it is on disk.
 * An fdatasync covers every record appended before it started, so the writes of one turn of the event loop share
 * one; the next turn's writes start the next without waiting for it (up to {@link MAX_SYNCS_IN_FLIGHT} at once),
 * so the file system can commit them together as well.
 *
 * A failing or short write is undone (the file is truncated back to its last whole record) and reported, so the
 * log never holds a torn record the server went on from. When that truncation or an fdatasync fails, the state of
 * the file is unknown: the writer refuses appends ({@link failure}) until {@link reset} starts a new log after a
 * snapshot has captured everything.
 */
export class WalWriter {
  private fd: number | undefined;
  private size = 0;
  private appended = 0;
  private count = 0;
  private durable = 0;
  private generation = 0;
  /** Highest record count an fdatasync of the current file has been started for. */
  private started = 0;
  private scheduled = false;
  private closed = false;
  private failed: StorageError | undefined;
  private readonly waiters: Waiter[] = [];
  /** Running fdatasync calls per descriptor. */
  private readonly inFlight = new Map<number, number>();
  /** Descriptors replaced while an fdatasync on them was running; closed when the last one ends. */
  private readonly retired = new Set<number>();

  constructor(
    private readonly path: string,
    private readonly dir: string,
  ) {}

  /** Set when the log cannot be appended to until {@link reset} (a failed fdatasync or truncation). */
  get failure(): StorageError | undefined {
    return this.failed;
  }

  /** Records appended since the last {@link reset}. */
  get length(): number {
    return this.count;
  }

  /**
   * Starts a new, empty log (the previous one's records must be in a durable snapshot by now): every record
   * appended so far counts as durable and the failure, if any, is cleared.
   */
  reset(): void {
    this.retire();
    this.size = 0;
    this.count = 0;
    this.generation++;
    this.started = 0;
    this.markDurable(this.appended);
    try {
      const fd = openPrivate(this.path, "w");
      this.fd = fd;
      fsyncSync(fd);
      fsyncDir(this.dir);
    } catch (err: unknown) {
      this.retire();
      this.failed = StorageError.from("creating the write-ahead log", this.path, err);
      throw this.failed;
    }
    this.failed = undefined;
  }

  /**
   * Appends one record (in the kernel when it returns). Throws {@link StorageError} when it could not be written
   * whole: nothing of it stays in the log.
   */
  append(rec: WalRecord): void {
    if (this.failed) throw this.failed;
    if (this.closed || this.fd === undefined) throw new StorageError(`storage: ${this.path} is not open`);
    const line = encodeRecord(rec);
    try {
      writeFully(this.fd, line, this.size);
    } catch (err: unknown) {
      try {
        ftruncateSync(this.fd, this.size);
      } catch (truncErr: unknown) {
        this.fail(StorageError.from("removing a partial record from", this.path, truncErr));
      }
      throw StorageError.from("appending to", this.path, err);
    }
    this.size += line.length;
    this.appended++;
    this.count++;
  }

  /** Resolves once every record appended so far is on disk; rejects with {@link StorageError} if that failed. */
  flush(): Promise<void> {
    const seq = this.appended;
    if (this.durable >= seq) return Promise.resolve();
    if (this.failed) return Promise.reject(this.failed);
    return new Promise<void>((resolve, reject) => {
      this.waiters.push({ seq, resolve, reject });
      this.schedule();
    });
  }

  /** Makes everything durable and closes the file. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    if (this.fd !== undefined && !this.failed) {
      try {
        fsyncSync(this.fd);
        this.markDurable(this.appended);
      } catch (err: unknown) {
        this.fail(StorageError.from("syncing", this.path, err));
      }
    }
    this.retire();
    this.fd = undefined;
    for (const w of this.waiters.splice(0)) w.reject(new StorageError(`storage: ${this.path} closed`));
  }

  private get running(): number {
    let n = 0;
    for (const c of this.inFlight.values()) n += c;
    return n;
  }

  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    // One turn of the event loop first: the writes of requests handled in the same turn share the fdatasync.
    setImmediate(() => {
      this.scheduled = false;
      this.sync();
    });
  }

  private sync(): void {
    const fd = this.fd;
    const target = this.appended;
    if (this.closed || fd === undefined || this.failed || target <= Math.max(this.durable, this.started)) return;
    if (this.running >= MAX_SYNCS_IN_FLIGHT) return; // started again when one ends
    this.started = target;
    this.inFlight.set(fd, (this.inFlight.get(fd) ?? 0) + 1);
    const generation = this.generation;
    fdatasync(fd, (err) => {
      const left = (this.inFlight.get(fd) ?? 1) - 1;
      if (left > 0) this.inFlight.set(fd, left);
      else {
        this.inFlight.delete(fd);
        if (this.retired.delete(fd)) closeSync(fd);
      }
      if (this.closed) return;
      // A success after a failure proves nothing about the records the failed call covered (the kernel may have
      // dropped them): only a reset clears a failure.
      if (generation === this.generation && !this.failed) {
        if (err) this.fail(StorageError.from("syncing", this.path, err));
        else this.markDurable(target);
      }
      if (this.waiters.length > 0) this.schedule();
    });
  }

  private markDurable(seq: number): void {
    if (seq > this.durable) this.durable = seq;
    let kept = 0;
    for (const w of this.waiters) {
      if (w.seq <= this.durable) w.resolve();
      else this.waiters[kept++] = w;
    }
    this.waiters.length = kept;
  }

  /** The log's content is unknown: refuse appends and fail every write not yet known to be durable. */
  private fail(err: StorageError): void {
    this.failed = err;
    for (const w of this.waiters.splice(0)) w.reject(err);
  }

  /** Closes the current descriptor now, or after the fdatasync calls running on it. */
  private retire(): void {
    if (this.fd === undefined) return;
    if (this.inFlight.has(this.fd)) this.retired.add(this.fd);
    else closeSync(this.fd);
    this.fd = undefined;
  }
}
