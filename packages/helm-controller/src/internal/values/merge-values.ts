// Helm's values merge (chartutil.MergeTables semantics as helm-controller uses them for valuesFrom): maps are
// merged key by key, recursively; any other value replaces what was there.

/** A Helm values tree. */
export type Values = Record<string, unknown>;

function isMap(v: unknown): v is Values {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** Merges `overlay` into a copy of `base`: nested maps merge, everything else is replaced. */
export function mergeValues(base: Values, overlay: Values): Values {
  const out: Values = { ...base };
  for (const [key, value] of Object.entries(overlay)) {
    const current = out[key];
    out[key] = isMap(current) && isMap(value) ? mergeValues(current, value) : value;
  }
  return out;
}
