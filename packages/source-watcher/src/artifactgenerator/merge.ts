// The Merge copy strategy: YAML files merged as Helm merges values files (maps deep-merged, everything else —
// arrays included — replaced by the overlay), multi-document files first folded into one map.

import { parseAllDocuments, stringify } from "yaml";

type YamlMap = Record<string, unknown>;

function isMap(v: unknown): v is YamlMap {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** Deep-merges `overlay` into a copy of `base` (maps recursively; any other overlay value replaces). */
export function mergeMaps(base: YamlMap, overlay: YamlMap): YamlMap {
  const out: YamlMap = { ...base };
  for (const [k, v] of Object.entries(overlay)) {
    const b = out[k];
    out[k] = isMap(v) && isMap(b) ? mergeMaps(b, v) : v;
  }
  return out;
}

/** Every document of a YAML text folded into one map; throws naming `name` when it is not YAML maps. */
export function loadYamlMap(text: string, name: string): YamlMap {
  let out: YamlMap = {};
  for (const doc of parseAllDocuments(text)) {
    if (doc.errors.length > 0) throw new Error(`cannot unmarshal YAML document '${name}': ${doc.errors[0]?.message}`);
    const value = doc.toJS() as unknown;
    if (value === null || value === undefined) continue;
    if (!isMap(value)) throw new Error(`cannot unmarshal YAML document '${name}': not a map`);
    out = mergeMaps(out, value);
  }
  return out;
}

/** The destination YAML with the source YAML merged over it, keys sorted (as sigs.k8s.io/yaml writes). */
export function mergeYamlFiles(destination: string, source: string, sourceName: string): string {
  const merged = mergeMaps(loadYamlMap(destination, "destination"), loadYamlMap(source, sourceName));
  return stringify(merged, { sortMapEntries: true, lineWidth: 0 });
}
