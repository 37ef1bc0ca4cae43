// Parsing `WWW-Authenticate` challenges (RFC 7235) of registries: `Basic realm=…` or
// `Bearer realm="…",service="…",scope="…"`.

/** One authentication challenge. */
export interface AuthChallenge {
  /** Lowercased scheme: `basic` or `bearer`. */
  scheme: string;
  /** Parameters with lowercased names. */
  params: Record<string, string>;
}

/** Parses a `WWW-Authenticate` header value into its first challenge, or undefined when empty. */
export function parseChallenge(header: string | undefined): AuthChallenge | undefined {
  if (!header) return undefined;
  const m = /^\s*([A-Za-z][\w-]*)\s*(.*)$/s.exec(header);
  if (!m?.[1]) return undefined;
  const params: Record<string, string> = {};
  const re = /([A-Za-z][\w-]*)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^\s,]*))\s*,?\s*/g;
  for (const p of (m[2] ?? "").matchAll(re)) {
    if (!p[1]) continue;
    params[p[1].toLowerCase()] = p[2] !== undefined ? p[2].replace(/\\(.)/g, "$1") : (p[3] ?? "");
  }
  return { scheme: m[1].toLowerCase(), params };
}
