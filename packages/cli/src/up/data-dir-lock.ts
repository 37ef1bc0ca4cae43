// One `sluice up` per data directory. The state directory holds more than the API server's data (the
// source-controller's artifacts, the demo repository, the kubeconfig; with --kubeconfig there is no embedded API
// server at all), so it has its own lock — the API server's kernel lock (released by the kernel when the
// holder exits, so the lock of a crashed run is free again) on a file of its own.

import { DataDirInUseError, lockDataDir as lockDirectory } from "@sluice/apiserver/data-dir-lock";

export { DataDirInUseError };

/** Name of the lock file inside the data directory. */
export const LOCK_FILE = "sluice-up.pid";

/**
 * Takes the lock of `dir` (created 0700 when missing) for this process and returns its release function; throws
 * {@link DataDirInUseError} while another live process holds it.
 */
export function lockDataDir(dir: string): () => void {
  const lock = lockDirectory(dir, {
    file: LOCK_FILE,
    inUseMessage: (d, pid) => `--data-dir ${d} is in use by another sluice up (pid ${pid ?? "unknown"}); stop it first`,
  });
  return () => lock.release();
}
