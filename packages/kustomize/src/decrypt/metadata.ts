import { DecryptionError } from "./errors.js";
import { isSopsMap, type SopsMap, type SopsValue } from "./tree.js";

/** An age recipient entry of a SOPS file: the data key encrypted to `recipient`, ASCII-armored. */
export interface AgeKeyEntry {
  recipient: string;
  enc: string;
}

/** A PGP entry of a SOPS file: the data key encrypted to fingerprint `fp`, ASCII-armored. */
export interface PgpKeyEntry {
  fp: string;
  enc: string;
}

/** The `sops` metadata block, as far as decryption needs it. */
export interface SopsMetadata {
  age: AgeKeyEntry[];
  pgp: PgpKeyEntry[];
  /** Master key kinds present that this decryptor cannot use (`kms`, `gcp_kms`, `azure_kv`, `hc_vault`, `hckms`). */
  otherKeyKinds: string[];
  /** `lastmodified` as SOPS formats it for the MAC's additional data (Go `time.RFC3339`). */
  lastModified: string;
  /** The encrypted MAC (`ENC[…]`). */
  mac: string;
  unencryptedSuffix: string;
  encryptedSuffix: string;
  unencryptedRegex: string;
  encryptedRegex: string;
  macOnlyEncrypted: boolean;
  version: string;
}

/** SOPS' default `unencrypted_suffix` when no rule is set. */
export const DEFAULT_UNENCRYPTED_SUFFIX = "_unencrypted";

const OTHER_KEY_KINDS = ["kms", "gcp_kms", "azure_kv", "hc_vault", "hckms"] as const;

/**
 * Reads a `sops` metadata mapping (already unflattened for dotenv/INI). Throws {@link DecryptionError} for a
 * missing MAC or `lastmodified`, more than one encryption rule, comment-based rules and Shamir key groups
 * (all unsupported or invalid, as SOPS rejects the first two).
 */
export function readMetadata(node: SopsValue | undefined): SopsMetadata {
  if (!isSopsMap(node)) throw new DecryptionError("the 'sops' metadata is not a mapping");
  const str = (key: string): string => {
    const v = node.get(key);
    if (v === undefined || v === null) return "";
    return typeof v === "string" ? v : String(v);
  };
  let group: SopsMap = node;
  const groups = node.get("key_groups");
  if (Array.isArray(groups) && groups.length > 0) {
    if (groups.length > 1) {
      throw new DecryptionError(
        `SOPS key_groups with Shamir secret sharing (${groups.length} groups) are not supported; encrypt with one group`,
      );
    }
    const only = groups[0];
    if (!isSopsMap(only)) throw new DecryptionError("the 'sops.key_groups[0]' metadata is not a mapping");
    group = only;
  }
  const entries = (key: string): SopsMap[] => {
    const v = group.get(key);
    return Array.isArray(v) ? v.filter(isSopsMap) : [];
  };
  const field = (m: SopsMap, key: string): string => {
    const v = m.get(key);
    return typeof v === "string" ? v : v === undefined || v === null ? "" : String(v);
  };
  const rules = {
    unencryptedSuffix: str("unencrypted_suffix"),
    encryptedSuffix: str("encrypted_suffix"),
    unencryptedRegex: str("unencrypted_regex"),
    encryptedRegex: str("encrypted_regex"),
  };
  const commentRules = ["unencrypted_comment_regex", "encrypted_comment_regex"].filter((k) => str(k) !== "");
  const count = Object.values(rules).filter((r) => r !== "").length + commentRules.length;
  if (count > 1) {
    throw new DecryptionError(
      "cannot use more than one of encrypted_suffix, unencrypted_suffix, encrypted_regex, unencrypted_regex, encrypted_comment_regex, or unencrypted_comment_regex in the same file",
    );
  }
  if (commentRules.length > 0) {
    throw new DecryptionError(`SOPS '${commentRules[0]}' is not supported by this decryptor`);
  }
  if (count === 0) rules.unencryptedSuffix = DEFAULT_UNENCRYPTED_SUFFIX;
  const mac = str("mac");
  if (mac === "") throw new DecryptionError("the SOPS metadata has no MAC ('sops.mac')");
  const macOnly = node.get("mac_only_encrypted");
  return {
    age: entries("age").map((m) => ({ recipient: field(m, "recipient"), enc: field(m, "enc") })),
    pgp: entries("pgp").map((m) => ({ fp: field(m, "fp"), enc: field(m, "enc") })),
    otherKeyKinds: OTHER_KEY_KINDS.filter((k) => entries(k).length > 0),
    lastModified: formatRfc3339(str("lastmodified")),
    mac,
    ...rules,
    macOnlyEncrypted: macOnly === true || (typeof macOnly === "string" && /^(1|t|true)$/i.test(macOnly)),
    version: str("version"),
  };
}

/**
 * Re-formats a `lastmodified` time as Go's `time.Parse(RFC3339)` + `Format(RFC3339)` would: fractional seconds
 * dropped, a zero offset written `Z`.
 */
export function formatRfc3339(text: string): string {
  const m = /^(\d{4}-\d{2}-\d{2})[Tt](\d{2}:\d{2}:\d{2})(?:\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/.exec(text);
  if (!m) throw new DecryptionError(`the SOPS metadata 'lastmodified' value '${text}' is not an RFC 3339 time`);
  const [, date, time, zone = "Z"] = m;
  const offset = zone === "Z" || zone === "z" || zone === "+00:00" || zone === "-00:00" ? "Z" : zone;
  return `${date}T${time}${offset}`;
}

/**
 * Rebuilds a metadata mapping from SOPS' flattened keys (`age__list_0__map_enc` → `age[0].enc`), as the dotenv
 * and INI stores write it. Leaves are kept as strings.
 */
export function unflattenMetadata(flat: ReadonlyMap<string, string>): SopsMap {
  const root: SopsMap = new Map();
  for (const [key, value] of flat) {
    const tokens = tokenize(key);
    let node: SopsMap | SopsValue[] = root;
    for (let i = 0; i < tokens.length; i++) {
      const token = tokens[i]!;
      const last = i === tokens.length - 1;
      const next = tokens[i + 1];
      const child: SopsValue = last ? value : typeof next === "number" ? [] : new Map();
      if (Array.isArray(node)) {
        if (typeof token !== "number") throw new DecryptionError(`invalid flattened SOPS metadata key '${key}'`);
        node[token] ??= child;
        const got: SopsValue | undefined = node[token];
        if (!last) node = asContainer(got, key);
      } else {
        const name = String(token);
        if (!node.has(name)) node.set(name, child);
        if (!last) node = asContainer(node.get(name), key);
      }
    }
  }
  return root;
}

function asContainer(value: SopsValue | undefined, key: string): SopsMap | SopsValue[] {
  if (isSopsMap(value) || Array.isArray(value)) return value;
  throw new DecryptionError(`invalid flattened SOPS metadata key '${key}'`);
}

const MAP_SEPARATOR = "__map_";
const LIST_SEPARATOR = "__list_";

function tokenize(path: string): (string | number)[] {
  const tokens: (string | number)[] = [];
  const parts = path.split(/(__map_|__list_)/);
  tokens.push(parts[0] ?? "");
  for (let i = 1; i < parts.length; i += 2) {
    const sep = parts[i];
    const text = parts[i + 1] ?? "";
    if (sep === LIST_SEPARATOR) tokens.push(Number.parseInt(text, 10) || 0);
    else if (sep === MAP_SEPARATOR) tokens.push(text);
  }
  return tokens;
}
