// One process per data directory. The lock is a kernel lock on a file in the directory (an open file description
// lock, taken with fs-native-extensions): the kernel drops it when the holder exits, however it exits, so a lock
// left by a dead process is simply free — no pid guessing, no race between two processes taking over the same
// stale file. The file also records the holder's pid, for the message the next process prints.

import { closeSync, constants, fstatSync, ftruncateSync, mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { tryLock } from "fs-native-extensions";
import { logStorage } from "../log.js";
import { openPrivate, writeFully } from "./private-files.js";

/** Name of the API server's lock file inside its data directory. */
export const DATA_DIR_LOCK_FILE = "apiserver.lock";

/** Length of the pid line in the lock file (padded with spaces). */
const PID_LINE_LENGTH = 16;

/** A held lock. */
export interface DataDirLock {
  /** Path of the lock file. */
  readonly path: string;
  /** pid the file named when the lock was taken (a process that stopped or died), if any. */
  readonly previousPid: number | undefined;
  /** Releases the lock (the file stays: removing it would let two processes lock two different files). */
  release(): void;
}

/** Options of {@link lockDataDir}. */
export interface LockDataDirOptions {
  /** Lock file name inside the directory (default {@link DATA_DIR_LOCK_FILE}). */
  file?: string;
  /** The message of the error for a directory another process holds. */
  inUseMessage?: (dir: string, pid: number | undefined) => string;
}

/** Error for a data directory another live process holds; `pid` is the holder's, when its file names one. */
export class DataDirInUseError extends Error {
  constructor(
    readonly dir: string,
    readonly pid: number | undefined,
    message: string,
  ) {
    super(message);
    this.name = "DataDirInUseError";
  }
}

function defaultMessage(dir: string, pid: number | undefined): string {
  return `data directory ${dir} is in use by another API server (pid ${pid ?? "unknown"}); stop it or use another data directory`;
}

function readPid(path: string): number | undefined {
  try {
    const pid = Number.parseInt(readFileSync(path, "utf8").trim(), 10);
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

function sleepSync(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/**
 * Takes the lock of `dir` (created 0700 when missing; the lock file is 0600) for this process, or throws
 * {@link DataDirInUseError} naming the pid of the process that holds it. The lock lasts until `release()` or the
 * end of the process.
 */
export function lockDataDir(dir: string, options: LockDataDirOptions = {}): DataDirLock {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const path = join(dir, options.file ?? DATA_DIR_LOCK_FILE);
  const fd = openPrivate(path, constants.O_RDWR | constants.O_CREAT);
  let locked = false;
  try {
    locked = tryLock(fd);
  } finally {
    if (!locked) closeSync(fd);
  }
  if (!locked) {
    // The holder writes its pid right after locking: give it a moment when the file is still empty.
    let pid = readPid(path);
    for (let i = 0; pid === undefined && i < 20; i++) {
      sleepSync(25);
      pid = readPid(path);
    }
    throw new DataDirInUseError(dir, pid, (options.inUseMessage ?? defaultMessage)(dir, pid));
  }
  const previousPid = readPid(path);
  try {
    // Overwritten in place at a fixed length, so a full disk has room for it (the blocks exist already).
    writeFully(fd, Buffer.from(`${String(process.pid).padEnd(PID_LINE_LENGTH - 1)}\n`), 0);
    if (fstatSync(fd).size !== PID_LINE_LENGTH) ftruncateSync(fd, PID_LINE_LENGTH);
  } catch (err: unknown) {
    // The lock is held all the same; only the pid in the message of a second process will be missing.
    logStorage("warn", "could not record this process's pid in the lock file", {
      file: path,
      error: (err as Error).message,
    });
  }
  let held = true;
  return {
    path,
    previousPid: previousPid === process.pid ? undefined : previousPid,
    release: () => {
      if (!held) return;
      held = false;
      closeSync(fd);
    },
  };
}
