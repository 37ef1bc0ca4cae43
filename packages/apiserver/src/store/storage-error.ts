import { ApiError } from "../errors.js";

/**
 * A write the data directory could not take (disk full, I/O error, a log in an unknown state). Answered as
 * kube-apiserver answers a failing etcd: 500 with the storage error as the message and no reason; the write was
 * not committed (or, when the fsync of an already visible write failed, not acknowledged).
 */
export class StorageError extends ApiError {
  constructor(
    message: string,
    /** errno code of the failing call (`ENOSPC`, `EIO`, …) when there is one. */
    readonly errno?: string,
  ) {
    super(500, "", message);
  }

  /** Wraps a failing file system call: `storage: <what> <path>: ENOSPC: no space left on device, write`. */
  static from(what: string, path: string, err: unknown): StorageError {
    if (err instanceof StorageError) return err;
    const e = err as NodeJS.ErrnoException;
    const message = err instanceof Error ? err.message : String(err);
    return new StorageError(`storage: ${what} ${path}: ${message}`, e?.code);
  }
}
