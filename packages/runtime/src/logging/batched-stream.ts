// Log lines to a file descriptor (stdout, `<data dir>/logs/<controller>.log`) are written in batches: one write
// per 16 KiB or per 100 ms instead of one per line. Under an event burst the per-line writes (a thread-pool
// round trip each) cost more CPU than building the lines. Error lines, `flush()` and process exit (also after
// an uncaught exception) write at once, so a clean stop or a crash loses nothing and `sluice logs -f` sees a
// line within 100 ms.

import { closeSync, openSync, writeSync } from "node:fs";

/** Most bytes held before they are written. */
const MAX_PENDING = 16 * 1024;
/** Longest a line waits. */
export const FLUSH_INTERVAL_MS = 100;

/** What the batcher writes to: a Writable (fs.WriteStream) or a SonicBoom (pino.destination). */
export interface BatchTarget {
  write(chunk: string): unknown;
  flush?: (cb?: (err?: Error | null) => void) => void;
  fd?: number | null;
  /** An fs.WriteStream's file, for lines at exit before it opened. */
  path?: string | Buffer;
  flags?: string;
}

/** Batchers holding lines, written synchronously if the process exits. */
const holding = new Set<BatchedStream>();
let exitHook = false;

export class BatchedStream {
  private pending = "";
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly target: BatchTarget) {}

  write(line: string): void {
    this.pending += line;
    if (this.pending.length >= MAX_PENDING || line.startsWith('{"level":"error"')) {
      this.writePending();
      return;
    }
    if (this.timer === undefined) {
      this.timer = setTimeout(() => this.writePending(), FLUSH_INTERVAL_MS).unref();
      holding.add(this);
      if (!exitHook) {
        exitHook = true;
        process.once("exit", () => {
          for (const stream of holding) stream.writePendingSync();
        });
      }
    }
  }

  /** Hands the held lines to the target (pino's `logger.flush()` calls this). */
  flush(cb?: (err?: Error | null) => void): void {
    this.writePending();
    if (this.target.flush) this.target.flush(cb);
    else cb?.();
  }

  private writePending(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    holding.delete(this);
    if (this.pending === "") return;
    const chunk = this.pending;
    this.pending = "";
    this.target.write(chunk);
  }

  /**
   * At exit the event loop is gone: the held lines go straight to the descriptor (after SonicBoom's own exit
   * hook, registered earlier, wrote what it held), or to the target when it has none.
   */
  private writePendingSync(): void {
    const chunk = this.pending;
    this.pending = "";
    this.writePending();
    if (chunk === "") return;
    const { fd, path, flags } = this.target;
    if (typeof fd === "number" && fd >= 0) writeSync(fd, chunk);
    else if (typeof path === "string" && flags?.startsWith("a")) {
      const opened = openSync(path, flags, 0o600);
      writeSync(opened, chunk);
      closeSync(opened);
    } else this.target.write(chunk);
  }
}
