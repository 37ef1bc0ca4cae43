// Where a running `sluice up` announces itself, so that other commands on the same machine find it without
// flags: `check` and `get` fall back to its kubeconfig when no other kubeconfig exists, `logs` reads the
// controllers' log files it names. One JSON file, `$SLUICE_HOME/up.json` (default `~/.sluice/up.json`),
// written once everything runs and removed on stop.

import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { homedir } from "node:os";
import { dirname, join } from "node:path";

/** What a running `sluice up` records about itself. */
export interface UpRecord {
  pid: number;
  /** The kubeconfig of its API server (or of the cluster it was given). */
  kubeconfig: string;
  /** The API server's URL. */
  server: string;
  /** Directory holding `<controller>.log`, one JSON log line per line. */
  logDir: string;
  /** Each running controller's health and metrics addresses. */
  controllers: { name: string; health?: string | undefined; metrics?: string | undefined }[];
}

/** The record file for an environment (`SLUICE_HOME`, else `HOME`/.sluice). */
export function upRecordPath(env: NodeJS.ProcessEnv): string {
  const home = env["SLUICE_HOME"] || join(env["HOME"] || homedir(), ".sluice");
  return join(home, "up.json");
}

/** Writes the record; returns a function removing it (only while it is still this process's). */
export function writeUpRecord(path: string, record: UpRecord): () => void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, `${JSON.stringify(record, null, 2)}\n`, { mode: 0o600 });
  return () => {
    const current = readRecord(path);
    if (current?.pid === record.pid) rmSync(path, { force: true });
  };
}

/** The record of a `sluice up` that is still running, or undefined. */
export function runningUp(env: NodeJS.ProcessEnv): UpRecord | undefined {
  const record = readRecord(upRecordPath(env));
  if (!record) return undefined;
  try {
    process.kill(record.pid, 0);
    return record;
  } catch (err: unknown) {
    // EPERM: the process exists but belongs to someone else.
    return (err as NodeJS.ErrnoException).code === "EPERM" ? record : undefined;
  }
}

function readRecord(path: string): UpRecord | undefined {
  try {
    const parsed = JSON.parse(readFileSync(path, "utf8")) as UpRecord;
    return typeof parsed.pid === "number" && typeof parsed.kubeconfig === "string" ? parsed : undefined;
  } catch {
    return undefined;
  }
}
