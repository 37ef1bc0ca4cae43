/** Writes one structured (JSON) error line to stderr for a failure inside a server controller. */
export function logControllerError(controller: string, key: string, err: unknown): void {
  const message = err instanceof Error ? err.message : String(err);
  process.stderr.write(
    `${JSON.stringify({ level: "error", time: new Date().toISOString(), controller, key, msg: message })}\n`,
  );
}

/** Writes one structured (JSON) line to stderr about the data directory (recovery, refused writes, compaction). */
export function logStorage(level: "info" | "warn" | "error", msg: string, fields: Record<string, unknown> = {}): void {
  process.stderr.write(
    `${JSON.stringify({ level, time: new Date().toISOString(), component: "storage", msg, ...fields })}\n`,
  );
}
