// One `sluice up` per data directory: a lock file holding the owner's pid, refused while that process lives
// and taken over when it is gone (a crash leaves a stale file behind).

import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";

/** Name of the lock file inside the data directory. */
export const LOCK_FILE = "sluice-up.pid";

/** Error for a data directory another running `sluice up` uses. */
export class DataDirInUseError extends Error {
  constructor(dir: string, pid: number) {
    super(`--data-dir ${dir} is in use by another sluice up (pid ${pid}); stop it first`);
    this.name = "DataDirInUseError";
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err: unknown) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}

/**
 * Takes the lock of `dir` (created when missing) for this process and returns its release function; throws
 * {@link DataDirInUseError} while another live process holds it.
 */
export function lockDataDir(dir: string): () => void {
  mkdirSync(dir, { recursive: true });
  const file = join(dir, LOCK_FILE);
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      writeFileSync(file, `${process.pid}\n`, { flag: "wx" });
      return () => rmSync(file, { force: true });
    } catch (err: unknown) {
      if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
      const pid = Number.parseInt(readFileSync(file, "utf8").trim(), 10);
      if (Number.isInteger(pid) && pid !== process.pid && alive(pid)) throw new DataDirInUseError(dir, pid);
      rmSync(file, { force: true });
    }
  }
  throw new DataDirInUseError(dir, Number.NaN);
}
