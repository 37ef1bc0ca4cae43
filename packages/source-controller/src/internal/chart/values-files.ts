// Merging `spec.valuesFiles` as Flux does: each file's values deep-merged over the previous ones (maps
// merged key by key, anything else replaced), the result replacing the chart's values.yaml. Paths of a
// chart from a source artifact are relative to the artifact root (and cannot leave it); paths of a chart
// from a repository are files inside the chart, `values.yaml` meaning the chart's own defaults.

import { lstat, readFile } from "node:fs/promises";
import { join, posix, sep } from "node:path";
import { parse as parseYaml, stringify } from "yaml";

/** A values tree (YAML mapping). */
export type Values = Record<string, unknown>;

/** The merged values and the files that took part (missing ones skipped when allowed). */
export interface MergedValues {
  values: Values;
  files: string[];
}

/** Flux's `GetValuesFiles`: a list holding only the chart's own `values.yaml` means no merging. */
export function effectiveValuesFiles(files: readonly string[] | undefined): string[] {
  const list = [...(files ?? [])];
  if (list.length === 1 && posix.normalize(list[0] ?? "") === "values.yaml") return [];
  return list;
}

/** Deep merge as fluxcd/pkg transform.MergeMaps: `b` over `a`, maps merged recursively. */
export function mergeValues(a: Values, b: Values): Values {
  const out: Values = { ...a };
  for (const [k, v] of Object.entries(b)) {
    const prev = out[k];
    out[k] = isMap(prev) && isMap(v) ? mergeValues(prev, v) : v;
  }
  return out;
}

/** Parses one values file (a YAML mapping; empty is `{}`); throws `unmarshaling values from '<p>' failed: …`. */
export function parseValues(text: string, path: string): Values {
  let raw: unknown;
  try {
    raw = parseYaml(text, { maxAliasCount: 1000 });
  } catch (err: unknown) {
    throw new Error(`unmarshaling values from '${path}' failed: ${err instanceof Error ? err.message : String(err)}`);
  }
  if (raw === null || raw === undefined) return {};
  if (!isMap(raw)) throw new Error(`unmarshaling values from '${path}' failed: not a YAML mapping`);
  return raw;
}

/** The values as YAML (keys sorted, as Go's YAML encoder writes them); `{}` is written as an empty file. */
export function encodeValues(values: Values): string {
  if (Object.keys(values).length === 0) return "";
  return stringify(values, { sortMapEntries: true, indentSeq: false, lineWidth: 0 });
}

/**
 * `root` joined with `path` so that the result can never leave `root` (securejoin semantics: `..` stops at
 * the root; symlinks are not followed — a values file must be a regular file).
 */
export function secureJoin(root: string, path: string): string {
  const clean = posix.normalize(`/${path.replace(/\\/g, "/")}`);
  return join(root, ...clean.split("/").filter((s) => s !== ""));
}

/**
 * Merges values files found relative to `baseDir` (a source artifact's root), in order. A missing file is
 * skipped with `ignoreMissing`, otherwise `no values file found at path '/<p>' (reference '<ref>')`.
 */
export async function mergeFileValues(
  baseDir: string,
  paths: readonly string[],
  ignoreMissing: boolean,
): Promise<MergedValues> {
  let values: Values = {};
  const files: string[] = [];
  for (const p of paths) {
    const secure = secureJoin(baseDir, p);
    const shown = secure.slice(baseDir.length).split(sep).join("/");
    let regular = false;
    try {
      regular = (await lstat(secure)).isFile();
    } catch (err: unknown) {
      if (ignoreMissing && (err as NodeJS.ErrnoException).code === "ENOENT") continue;
    }
    if (!regular) throw new Error(`no values file found at path '${shown}' (reference '${p}')`);
    values = mergeValues(values, parseValues(await readFile(secure, "utf8"), p));
    files.push(p);
  }
  return { values, files };
}

/**
 * Merges values files that live inside an unpacked chart `chartDir`, in order; `values.yaml` contributes
 * the chart's default values. A missing file is skipped with `ignoreMissing`, otherwise
 * `no values file found at path '<p>'`.
 */
export async function mergeChartValues(
  chartDir: string,
  paths: readonly string[],
  ignoreMissing: boolean,
): Promise<MergedValues> {
  let values: Values = {};
  const files: string[] = [];
  for (const p of paths) {
    const clean = posix.normalize(p.replace(/\\/g, "/"));
    const inside = !clean.startsWith("../") && clean !== ".." && !posix.isAbsolute(clean);
    let text: string | undefined;
    if (inside) {
      const file = secureJoin(chartDir, clean);
      try {
        if ((await lstat(file)).isFile()) text = await readFile(file, "utf8");
      } catch {
        text = undefined;
      }
    }
    if (text === undefined) {
      if (ignoreMissing) continue;
      throw new Error(`no values file found at path '${p}'`);
    }
    values = mergeValues(values, parseValues(text, p));
    files.push(p);
  }
  return { values, files };
}

function isMap(v: unknown): v is Values {
  return v !== null && typeof v === "object" && !Array.isArray(v);
}
