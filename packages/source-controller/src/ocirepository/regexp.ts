// Go RE2 patterns (`semverFilter`) as JavaScript regular expressions: unanchored, like Go's MatchString.

/** Compiles a Go regexp; throws the SyntaxError of an invalid one. Inline `(?i)` flags are honoured. */
export function parsePattern(pattern: string): RegExp {
  const m = /^\(\?([imsU]+)\)/.exec(pattern);
  if (!m?.[1]) return new RegExp(pattern, "u");
  const flags = [...new Set(m[1].replace("U", "").split(""))].join("");
  return new RegExp(pattern.slice(m[0].length), `u${flags}`);
}
