// One controller log line as Flux's controllers write it (JSON with `ts`, `level`, `msg`, `error`,
// `controllerKind`, `name`, `namespace`) and the filters of `flux logs`: shared by `sluice logs` and the UI.

/** The fields of a controller's JSON log line that `logs` uses. */
export interface LogEntry {
  ts: string;
  level: string;
  msg: string;
  error?: string | undefined;
  controllerKind?: string | undefined;
  name?: string | undefined;
  namespace?: string | undefined;
}

/** `--kind --name --level -n/-A` as flux logs applies them. */
export interface LogFilter {
  kind?: string | undefined;
  name?: string | undefined;
  level?: string | undefined;
  /** Object namespace; undefined with `-A`. */
  namespace?: string | undefined;
  /** Only lines at or after this time (ms since epoch), from `--since`. */
  sinceMs?: number | undefined;
}

/** Parses one line; non-JSON lines (a panic's text, a banner) are skipped as flux skips them. */
export function parseLogLine(line: string): LogEntry | undefined {
  if (!line.startsWith("{")) return undefined;
  try {
    const raw = JSON.parse(line) as Record<string, unknown>;
    const str = (k: string) => (typeof raw[k] === "string" ? (raw[k] as string) : undefined);
    const error = raw["error"];
    return {
      ts: typeof raw["ts"] === "number" ? new Date((raw["ts"] as number) * 1000).toISOString() : (str("ts") ?? ""),
      level: str("level") ?? "",
      msg: str("msg") ?? "",
      error: typeof error === "string" ? error : error === undefined ? undefined : JSON.stringify(error),
      controllerKind: str("controllerKind") ?? str("reconciler kind"),
      name: str("name"),
      namespace: str("namespace"),
    };
  } catch {
    return undefined;
  }
}

/** Whether the entry passes the filter (case-insensitive kind and name, exact level, as flux). */
export function matchesLog(entry: LogEntry, filter: LogFilter): boolean {
  if (filter.level && filter.level !== entry.level) return false;
  if (filter.kind && filter.kind.toLowerCase() !== (entry.controllerKind ?? "").toLowerCase()) return false;
  if (filter.name && filter.name.toLowerCase() !== (entry.name ?? "").toLowerCase()) return false;
  if (filter.namespace !== undefined && filter.namespace.toLowerCase() !== (entry.namespace ?? "").toLowerCase())
    return false;
  if (filter.sinceMs !== undefined) {
    const at = Date.parse(entry.ts);
    if (Number.isNaN(at) || at < filter.sinceMs) return false;
  }
  return true;
}
