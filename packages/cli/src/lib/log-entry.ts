// `sluice logs`' layout of a controller log line (flux logs'): `<ts> <level> <Kind>/<name>.<namespace> - <msg>
// <error>`. Parsing and filtering are the runtime's (the UI's log viewer uses them too).

import type { LogEntry } from "@sluice/runtime/logging";

export { type LogEntry, type LogFilter, matchesLog, parseLogLine } from "@sluice/runtime/logging";

/** flux logs' line: `<ts> <level> <Kind>[/<name>.<namespace>] - <msg> <error>`. */
export function formatLog(entry: LogEntry): string {
  const subject = `${entry.controllerKind ?? ""}${entry.name ? `/${entry.name}.${entry.namespace ?? ""}` : ""}`;
  return `${entry.ts} ${entry.level} ${subject} - ${entry.msg}${entry.error ? ` ${entry.error}` : ""}`;
}
