// A Helm chart repository index (`index.yaml`) as Flux reads it: parsed from JSON or YAML, validated
// (`apiVersion` required, invalid chart versions dropped) and normalized (each chart's versions sorted
// newest first), then written out as JSON for the HelmRepository artifact.

import semver from "semver";
import { parse as parseYaml } from "yaml";

/** Helm's default limit on the size of a repository index (`helm.MaxIndexSize`, 50 MiB). */
export const MAX_INDEX_SIZE = 50 * 1024 * 1024;

/** One chart version of an index (`repo.ChartVersion`): chart metadata plus urls, created, digest. */
export interface IndexChartVersion {
  name?: string;
  version?: string;
  apiVersion?: string;
  urls?: string[];
  digest?: string;
  created?: string;
  [key: string]: unknown;
}

/** A parsed repository index (`repo.IndexFile`). */
export interface IndexFile {
  apiVersion: string;
  generated?: string;
  entries: Record<string, IndexChartVersion[]>;
  [key: string]: unknown;
}

/** Thrown when bytes are not a usable repository index; the message is Helm's. */
export class InvalidIndexError extends Error {
  override readonly name = "InvalidIndexError";
}

/** Masterminds/semver's accepted version syntax (`v` prefix, missing minor/patch allowed). */
const MASTERMINDS_VERSION =
  /^v?(0|[1-9]\d*)(\.(0|[1-9]\d*))?(\.(0|[1-9]\d*))?(-([0-9A-Za-z-]+(\.[0-9A-Za-z-]+)*))?(\+([0-9A-Za-z-]+(\.[0-9A-Za-z-]+)*))?$/;

/**
 * Parses and normalizes an index as Flux's `IndexFromBytes` does: empty input, unparsable input and a
 * missing `apiVersion` are errors; chart versions that fail validation (no name, a version that is not
 * semver) are dropped; chart `apiVersion` defaults to `v1`; each chart's versions are sorted by semver,
 * newest first, unparsable versions last.
 */
export function parseIndex(data: Uint8Array | string): IndexFile {
  const text = typeof data === "string" ? data : Buffer.from(data).toString("utf8");
  if (text.trim() === "") throw new InvalidIndexError("no content in index.yaml file");
  let raw: unknown;
  try {
    raw = parseJsonOrYaml(text);
  } catch (err: unknown) {
    throw new InvalidIndexError(`error unmarshaling index: ${err instanceof Error ? err.message : String(err)}`);
  }
  if (raw === null || typeof raw !== "object" || Array.isArray(raw)) {
    throw new InvalidIndexError("error unmarshaling index: not a mapping");
  }
  const index = raw as Record<string, unknown>;
  if (typeof index["apiVersion"] !== "string" || index["apiVersion"] === "") {
    throw new InvalidIndexError("no API version specified");
  }
  const entriesRaw = index["entries"];
  if (
    entriesRaw !== undefined &&
    entriesRaw !== null &&
    (typeof entriesRaw !== "object" || Array.isArray(entriesRaw))
  ) {
    throw new InvalidIndexError("error unmarshaling index: entries is not a mapping");
  }
  const entries: Record<string, IndexChartVersion[]> = {};
  for (const [name, versions] of Object.entries((entriesRaw ?? {}) as Record<string, unknown>)) {
    if (!Array.isArray(versions)) {
      throw new InvalidIndexError(`error unmarshaling index: entries.${name} is not a list`);
    }
    const valid = versions
      .filter(isObject)
      .map((v) => normalizeVersion(v as IndexChartVersion))
      .filter(isValidVersion);
    entries[name] = sortVersions(valid);
  }
  return { ...index, apiVersion: index["apiVersion"], entries } as IndexFile;
}

/** Field order of Helm's `repo.IndexFile` when Go marshals it. */
const INDEX_FIELDS = ["serverInfo", "apiVersion", "generated", "entries", "publicKeys", "annotations"];
/** Field order of Helm's `repo.ChartVersion` (embedded chart metadata first) when Go marshals it. */
const VERSION_FIELDS = [
  "name",
  "home",
  "sources",
  "version",
  "description",
  "keywords",
  "maintainers",
  "icon",
  "apiVersion",
  "condition",
  "tags",
  "appVersion",
  "deprecated",
  "annotations",
  "kubeVersion",
  "dependencies",
  "type",
  "urls",
  "created",
  "removed",
  "digest",
];

/**
 * The index as indented JSON (what Flux stores as the HelmRepository artifact), deterministic whatever the
 * source's key order: fields in the order of Helm's Go types (unknown fields after them, sorted), chart
 * names sorted as Go sorts map keys, versions in their (sorted) order.
 */
export function indexToJson(index: IndexFile): string {
  const entries: Record<string, unknown[]> = {};
  for (const name of Object.keys(index.entries).sort()) {
    entries[name] = (index.entries[name] ?? []).map((v) => ordered(v, VERSION_FIELDS));
  }
  return JSON.stringify(ordered({ ...index, entries }, INDEX_FIELDS), null, 2);
}

/** A copy of `obj` with `fields` first (in that order) and any other keys after them, sorted. */
function ordered(obj: Record<string, unknown>, fields: readonly string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const f of fields) if (obj[f] !== undefined) out[f] = obj[f];
  for (const k of Object.keys(obj).sort()) if (!(k in out) && obj[k] !== undefined) out[k] = obj[k];
  return out;
}

/** The versions of one chart sorted as Helm's `SortEntries`: semver descending, unparsable last (stable). */
export function sortVersions(versions: IndexChartVersion[]): IndexChartVersion[] {
  const parsed = versions.map((v, i) => ({ v, i, sv: toSemver(v.version) }));
  parsed.sort((a, b) => {
    if (a.sv && b.sv) return semver.rcompare(a.sv, b.sv) || a.i - b.i;
    if (a.sv) return -1;
    if (b.sv) return 1;
    return a.i - b.i;
  });
  return parsed.map((p) => p.v);
}

function parseJsonOrYaml(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return parseYaml(text, { maxAliasCount: 1000 });
  }
}

function isObject(v: unknown): boolean {
  return v !== null && typeof v === "object" && !Array.isArray(v);
}

function normalizeVersion(v: IndexChartVersion): IndexChartVersion {
  return v.apiVersion ? v : { ...v, apiVersion: "v1" };
}

/** Helm's chart metadata validation as far as it matters for an index: a name and a semver version. */
function isValidVersion(v: IndexChartVersion): boolean {
  return typeof v.name === "string" && v.name !== "" && toSemver(v.version) !== undefined;
}

/** A version string as a node-semver version (Masterminds syntax: `v1`, `1.2` accepted), or undefined. */
function toSemver(version: unknown): semver.SemVer | undefined {
  if (typeof version !== "string") return undefined;
  const m = MASTERMINDS_VERSION.exec(version);
  if (!m) return undefined;
  const core = `${m[1]}.${m[3] ?? "0"}.${m[5] ?? "0"}${m[6] ?? ""}${m[9] ?? ""}`;
  return semver.parse(core) ?? undefined;
}
