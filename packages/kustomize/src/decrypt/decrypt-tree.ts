import { createHash, type Hash } from "node:crypto";
import { decryptValue } from "./aes-value.js";
import { DecryptionError } from "./errors.js";
import type { SopsMetadata } from "./metadata.js";
import { isSopsMap, type SopsMap, type SopsValue, scalarBytes } from "./tree.js";

/** SOPS seeds the MAC hash with these bytes when `mac_only_encrypted` is set. */
const MAC_ONLY_ENCRYPTED_INIT = Buffer.from([
  0x8a, 0x3f, 0xd2, 0xad, 0x54, 0xce, 0x66, 0x52, 0x7b, 0x10, 0x34, 0xf3, 0xd1, 0x47, 0xbe, 0x0b, 0x0b, 0x97, 0x5b,
  0x3b, 0xf4, 0x4f, 0x72, 0xc6, 0xfd, 0xad, 0xec, 0x81, 0x76, 0xf2, 0x7d, 0x69,
]);

/** The decrypted branches and the MAC computed over them (upper-case hex SHA-512, as SOPS prints it). */
export interface DecryptedTree {
  branches: SopsMap[];
  mac: string;
}

/**
 * Decrypts every value SOPS' rules say is encrypted (`unencrypted_suffix`, `encrypted_suffix`,
 * `unencrypted_regex`, `encrypted_regex`, matched against every key on the value's path) with the data key,
 * and computes the MAC over the plaintext values in document order (all values, or only the encrypted ones with
 * `mac_only_encrypted`). The input is not modified.
 */
export function decryptTree(branches: readonly SopsMap[], metadata: SopsMetadata, dataKey: Uint8Array): DecryptedTree {
  const hash = createHash("sha512");
  if (metadata.macOnlyEncrypted) hash.update(MAC_ONLY_ENCRYPTED_INIT);
  const rules = compileRules(metadata);
  const out = branches.map((branch) =>
    walkMap(branch, [], { hash, rules, dataKey, macOnly: metadata.macOnlyEncrypted }),
  );
  return { branches: out, mac: hash.digest("hex").toUpperCase() };
}

/**
 * Decrypts the MAC stored in the metadata (additional data: `lastmodified`) and compares it with the computed
 * one. Throws {@link DecryptionError} on mismatch; the message carries neither MAC.
 */
export function verifyMac(metadata: SopsMetadata, computed: string, dataKey: Uint8Array): void {
  const stored = decryptValue(metadata.mac, dataKey, metadata.lastModified, "sops.mac").value;
  if (stored !== computed) {
    throw new DecryptionError(
      "failed to verify sops data integrity: MAC mismatch (the file was modified after it was encrypted)",
    );
  }
}

interface WalkState {
  hash: Hash;
  rules: (path: readonly string[]) => boolean;
  dataKey: Uint8Array;
  macOnly: boolean;
}

function walkMap(map: SopsMap, path: readonly string[], state: WalkState): SopsMap {
  const out: SopsMap = new Map();
  for (const [key, value] of map) out.set(key, walkValue(value, [...path, key], state));
  return out;
}

function walkValue(value: SopsValue, path: readonly string[], state: WalkState): SopsValue {
  if (value === null) return null;
  if (isSopsMap(value)) return walkMap(value, path, state);
  if (Array.isArray(value)) return value.map((v) => walkValue(v, path, state));
  const encrypted = state.rules(path);
  let plain: SopsValue = value;
  let macBytes: Buffer | undefined;
  if (encrypted) {
    const where = path.join(":");
    if (typeof value !== "string") {
      throw new DecryptionError(`value at '${where}' should be encrypted but is a ${typeof value}`);
    }
    const decrypted = decryptValue(value, state.dataKey, `${path.join(":")}:`, where);
    plain = decrypted.value;
    macBytes = decrypted.macBytes;
  } else {
    macBytes = scalarBytes(value);
  }
  if ((!state.macOnly || encrypted) && macBytes) state.hash.update(macBytes);
  return plain;
}

function compileRules(m: SopsMetadata): (path: readonly string[]) => boolean {
  const unencryptedRegex = m.unencryptedRegex ? compile(m.unencryptedRegex, "unencrypted_regex") : undefined;
  const encryptedRegex = m.encryptedRegex ? compile(m.encryptedRegex, "encrypted_regex") : undefined;
  return (path) => {
    let encrypted = true;
    if (m.unencryptedSuffix && path.some((p) => p.endsWith(m.unencryptedSuffix))) encrypted = false;
    if (m.encryptedSuffix) encrypted = path.some((p) => p.endsWith(m.encryptedSuffix));
    if (unencryptedRegex && path.some((p) => unencryptedRegex.test(p))) encrypted = false;
    if (encryptedRegex) encrypted = path.some((p) => encryptedRegex.test(p));
    return encrypted;
  };
}

function compile(pattern: string, field: string): RegExp {
  try {
    // Go's RE2 syntax; the common subset (anchors, groups, classes, alternation) means the same in JavaScript.
    return new RegExp(pattern.replace(/^\(\?s\)/, ""), pattern.startsWith("(?s)") ? "s" : "");
  } catch (err: unknown) {
    throw new DecryptionError(`invalid SOPS ${field} '${pattern}'`, { cause: err });
  }
}
