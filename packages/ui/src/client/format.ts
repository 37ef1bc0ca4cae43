// Small display helpers.

/** `3m`, `2h`, `5d` since an RFC 3339 time ("" when none). */
export function age(time: string, now = Date.now()): string {
  if (!time) return "";
  const s = Math.max(0, Math.floor((now - Date.parse(time)) / 1000));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m`;
  if (s < 86400) return `${Math.floor(s / 3600)}h`;
  return `${Math.floor(s / 86400)}d`;
}

/** A revision shortened for a table cell: `main@sha1:0123456789ab`. */
export function shortRevision(rev: string): string {
  const m = /^(.*?)(sha1|sha256):([0-9a-f]{12})[0-9a-f]*$/.exec(rev);
  return m ? `${m[1]}${m[2]}:${m[3]}` : rev;
}

/** A byte count as `1.2 KiB`. */
export function bytes(n: number | null): string {
  if (n === null) return "";
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KiB`;
  return `${(n / 1024 / 1024).toFixed(1)} MiB`;
}

/** The hash route of an object's page. */
export function objectHref(kind: string, namespace: string, name: string): string {
  return `#/object/${[kind, namespace, name].map(encodeURIComponent).join("/")}`;
}
