// kubectl's short ages (`45s`, `3m`, `2h`, `4d`) for "LAST SEEN" columns.

/** The age of `time` relative to `now` as kubectl prints it; `<unknown>` when absent. */
export function shortAge(time: string | undefined, now = Date.now()): string {
  if (!time) return "<unknown>";
  const secs = Math.max(0, Math.floor((now - Date.parse(time)) / 1000));
  if (Number.isNaN(secs)) return "<unknown>";
  if (secs < 120) return `${secs}s`;
  const mins = Math.floor(secs / 60);
  if (mins < 120) return `${mins}m`;
  const hours = Math.floor(mins / 60);
  if (hours < 48) return `${hours}h`;
  return `${Math.floor(hours / 24)}d`;
}
