// Test helper: the docs show many fragments focused on one field; this fills in only what a fragment
// leaves out, by deep-merging it over a complete object (the fragment's own values always win).

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === "object" && !Array.isArray(v);
}

/**
 * Deep-merges `fragment` over `complete`: objects merge key by key, anything else in the fragment wins.
 * A null in the fragment counts as absent (YAML `spec:` followed only by comments parses as null).
 */
export function completeFragment<T>(complete: unknown, fragment: T): T {
  if (fragment === undefined || fragment === null) return complete as T;
  if (!isPlainObject(complete) || !isPlainObject(fragment)) return fragment;
  const out: Record<string, unknown> = { ...complete };
  for (const [key, value] of Object.entries(fragment)) out[key] = completeFragment(complete[key], value);
  return out as T;
}
