import { parseAllDocuments, parseDocument, stringify } from "yaml";
import { DecryptionError } from "./errors.js";
import { readMetadata, type SopsMetadata, unflattenMetadata } from "./metadata.js";
import { fromSopsValue, isSopsMap, type SopsMap, type SopsValue, toSopsValue } from "./tree.js";

/** The SOPS file formats (SOPS' stores). */
export type SopsFormat = "yaml" | "json" | "dotenv" | "ini" | "binary";

/** An encrypted document split into its branches (YAML documents, or one) and its `sops` metadata. */
export interface EncryptedDocument {
  branches: SopsMap[];
  metadata: SopsMetadata;
}

/**
 * Bytes that mark a document of each format as SOPS-encrypted, as Flux detects them (the binary format is a JSON
 * envelope, so it shares JSON's marker).
 */
export const SOPS_MARKERS: Readonly<Record<SopsFormat, string>> = {
  binary: '"mac": "ENC[',
  dotenv: "sops_mac=ENC[",
  ini: "[sops]",
  json: '"mac": "ENC[',
  yaml: "mac: ENC[",
};

/**
 * The format SOPS (and Flux) assumes for a file name: `.yaml`/`.yml` YAML, `.json` and `.dockerconfigjson` JSON,
 * `.env` dotenv, `.ini` INI, anything else binary.
 */
export function formatForPath(path: string): SopsFormat {
  if (path.endsWith(".dockerconfigjson") || path.endsWith(".json")) return "json";
  if (path.endsWith(".yaml") || path.endsWith(".yml")) return "yaml";
  if (path.endsWith(".env")) return "dotenv";
  if (path.endsWith(".ini")) return "ini";
  return "binary";
}

/** Detects the format of a SOPS-encrypted document from its marker bytes (JSON for the JSON envelope); undefined when none. */
export function detectFormat(text: string): SopsFormat | undefined {
  for (const format of ["json", "yaml", "dotenv", "ini"] as const) {
    if (text.includes(SOPS_MARKERS[format])) return format;
  }
  return undefined;
}

/** Whether the text carries the marker of a SOPS-encrypted document in the given format. */
export function hasSopsMarker(text: string, format: SopsFormat): boolean {
  return text.includes(SOPS_MARKERS[format]);
}

/** Parses an encrypted document of the given format into branches and metadata (as SOPS' `LoadEncryptedFile`). */
export function loadEncrypted(text: string, format: SopsFormat): EncryptedDocument {
  switch (format) {
    case "yaml":
      return splitMetadata(loadYaml(text));
    case "json":
      return splitMetadata([loadJson(text)]);
    case "binary": {
      const doc = splitMetadata([loadJson(text)]);
      if (typeof doc.branches[0]?.get("data") !== "string") {
        throw new DecryptionError("SOPS binary document has no 'data' string");
      }
      return doc;
    }
    case "dotenv":
      return loadDotenv(text);
    case "ini":
      return loadIni(text);
  }
}

/** Writes decrypted branches in the given format (as SOPS' `EmitPlainFile`). */
export function emitPlain(branches: readonly SopsMap[], format: SopsFormat): string {
  switch (format) {
    case "yaml":
      return branches.map((b) => stringify(b, { aliasDuplicateObjects: false, lineWidth: 0 })).join("---\n");
    case "json":
      return `${toJson(branches[0] ?? new Map(), "")}\n`;
    case "binary": {
      const data = branches[0]?.get("data");
      if (typeof data !== "string") throw new DecryptionError("SOPS binary document has no 'data' string");
      return data;
    }
    case "dotenv":
      return emitDotenv(branches[0] ?? new Map());
    case "ini":
      return emitIni(branches[0] ?? new Map());
  }
}

/** Converts a decrypted tree to a plain JavaScript object (for post-build resources). */
export function toPlainObject(branch: SopsMap): Record<string, unknown> {
  return fromSopsValue(branch) as Record<string, unknown>;
}

/** Takes the `sops` metadata out of the first branch (and the key out of every branch), as SOPS does. */
export function splitMetadata(branches: SopsMap[]): EncryptedDocument {
  const first = branches[0];
  if (!first?.has("sops")) throw new DecryptionError("sops metadata not found");
  const metadata = readMetadata(first.get("sops"));
  for (const branch of branches) branch.delete("sops");
  return { branches, metadata };
}

function loadYaml(text: string): SopsMap[] {
  const branches: SopsMap[] = [];
  for (const doc of parseAllDocuments(text, { intAsBigInt: true, uniqueKeys: false })) {
    const err = doc.errors[0];
    if (err) throw new DecryptionError(`invalid YAML: ${err.message.split("\n")[0]}`);
    const value = toSopsValue(doc.toJS({ mapAsMap: true, maxAliasCount: 1000 }));
    if (value === null) continue;
    if (!isSopsMap(value)) throw new DecryptionError("a YAML document of a SOPS file must be a mapping");
    branches.push(value);
  }
  return branches;
}

function loadJson(text: string): SopsMap {
  const doc = parseDocument(text, { intAsBigInt: true, uniqueKeys: false });
  const err = doc.errors[0];
  if (err) throw new DecryptionError(`invalid JSON: ${err.message.split("\n")[0]}`);
  const value = toSopsValue(doc.toJS({ mapAsMap: true }));
  if (!isSopsMap(value)) throw new DecryptionError("a SOPS JSON document must be an object");
  return value;
}

const SOPS_PREFIX = "sops_";

function loadDotenv(text: string): EncryptedDocument {
  const branch: SopsMap = new Map();
  const flat = new Map<string, string>();
  for (const [n, line] of text.split("\n").entries()) {
    if (line === "" || line.startsWith("#")) continue;
    const eq = line.indexOf("=");
    if (eq === -1) throw new DecryptionError(`invalid dotenv input: line ${n + 1} has no '='`);
    const key = line.slice(0, eq);
    const value = line.slice(eq + 1).replaceAll("\\n", "\n");
    if (key.startsWith(SOPS_PREFIX)) flat.set(key.slice(SOPS_PREFIX.length), value);
    else branch.set(key, value);
  }
  if (flat.size === 0) throw new DecryptionError("sops metadata not found");
  return { branches: [branch], metadata: readMetadata(unflattenMetadata(flat)) };
}

function emitDotenv(branch: SopsMap): string {
  let out = "";
  for (const [key, value] of branch) {
    if (isSopsMap(value) || Array.isArray(value)) {
      throw new DecryptionError(`cannot use complex value in dotenv file; offending key ${key}`);
    }
    out += `${key}=${scalarText(value).replaceAll("\n", "\\n")}\n`;
  }
  return out;
}

function loadIni(text: string): EncryptedDocument {
  const branch: SopsMap = new Map([["DEFAULT", new Map()]]);
  let section = branch.get("DEFAULT") as SopsMap;
  for (const [n, raw] of text.split(/\r?\n/).entries()) {
    const line = raw.trim();
    if (line === "" || line.startsWith(";") || line.startsWith("#")) continue;
    const header = /^\[(.*)\]$/.exec(line);
    if (header) {
      const name = (header[1] ?? "").trim();
      const existing = branch.get(name);
      section = isSopsMap(existing) ? existing : new Map();
      branch.set(name, section);
      continue;
    }
    const sep = line.search(/[=:]/);
    if (sep === -1) throw new DecryptionError(`invalid INI input: line ${n + 1} is neither a section nor a key`);
    section.set(line.slice(0, sep).trim(), iniValue(line.slice(sep + 1).trim()));
  }
  const meta = branch.get("sops");
  if (!isSopsMap(meta)) throw new DecryptionError("sops metadata not found");
  branch.delete("sops");
  const flat = new Map<string, string>();
  for (const [k, v] of meta) flat.set(k, scalarText(v as string).replaceAll("\\n", "\n"));
  return { branches: [branch], metadata: readMetadata(unflattenMetadata(flat)) };
}

/** go-ini's value reading: surrounding quotes removed, otherwise an inline `#`/`;` comment cut off. */
function iniValue(value: string): string {
  for (const q of ['"""', '"', "'", "`"]) {
    if (value.length >= 2 * q.length && value.startsWith(q) && value.endsWith(q)) {
      return value.slice(q.length, -q.length);
    }
  }
  const comment = value.search(/[#;]/);
  return comment === -1 ? value : value.slice(0, comment).trim();
}

function emitIni(branch: SopsMap): string {
  const out: string[] = [];
  for (const [name, section] of branch) {
    if (!isSopsMap(section)) throw new DecryptionError("INI section values must be mappings");
    if (name === "DEFAULT" && section.size === 0) continue;
    out.push(`[${name}]`);
    for (const [key, value] of section) out.push(`${key} = ${scalarText(value)}`);
    out.push("");
  }
  return out.join("\n");
}

function scalarText(value: SopsValue): string {
  if (value === null) return "";
  if (typeof value === "string") return value;
  if (typeof value === "boolean" || typeof value === "bigint" || typeof value === "number") return String(value);
  return JSON.stringify(fromSopsValue(value));
}

/** JSON text of a tree, keeping key order (integer-like keys included), indented with four spaces like SOPS. */
function toJson(value: SopsValue, indent: string): string {
  const inner = `${indent}    `;
  if (isSopsMap(value)) {
    if (value.size === 0) return "{}";
    const items = [...value].map(([k, v]) => `${inner}${JSON.stringify(k)}: ${toJson(v, inner)}`);
    return `{\n${items.join(",\n")}\n${indent}}`;
  }
  if (Array.isArray(value)) {
    if (value.length === 0) return "[]";
    return `[\n${value.map((v) => `${inner}${toJson(v, inner)}`).join(",\n")}\n${indent}]`;
  }
  if (typeof value === "bigint") return value.toString();
  return JSON.stringify(value);
}
