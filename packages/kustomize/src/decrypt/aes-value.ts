import { createDecipheriv } from "node:crypto";
import { DecryptionError } from "./errors.js";
import { formatGoFloat } from "./tree.js";

/** The parts of a SOPS `ENC[AES256_GCM,data:…,iv:…,tag:…,type:…]` value. */
export interface EncryptedValue {
  data: Buffer;
  iv: Buffer;
  tag: Buffer;
  type: string;
}

/** A decrypted SOPS value: its typed value and the bytes SOPS' MAC covers. */
export interface DecryptedValue {
  value: string | bigint | number | boolean;
  /** `ToBytes` of the value; `undefined` for comments, which the MAC leaves out. */
  macBytes: Buffer | undefined;
}

const ENCRYPTED_VALUE = /^ENC\[AES256_GCM,data:(.+),iv:(.+),tag:(.+),type:(.+)\]/s;

/** Whether a string looks like a SOPS encrypted value. */
export function isEncryptedValue(text: string): boolean {
  return ENCRYPTED_VALUE.test(text);
}

/** Parses an `ENC[AES256_GCM,…]` value; the error never quotes the value. */
export function parseEncryptedValue(text: string, where: string): EncryptedValue {
  const match = ENCRYPTED_VALUE.exec(text);
  if (!match) throw new DecryptionError(`value at '${where}' is not in SOPS' ENC[AES256_GCM,...] format`);
  const [, data = "", iv = "", tag = "", type = ""] = match;
  return { data: base64(data, "data", where), iv: base64(iv, "iv", where), tag: base64(tag, "tag", where), type };
}

function base64(text: string, part: string, where: string): Buffer {
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(text)) {
    throw new DecryptionError(`value at '${where}': invalid base64 in its ${part}`);
  }
  return Buffer.from(text, "base64");
}

/**
 * Decrypts one SOPS value with the data key: AES-256-GCM, the IV as stored (SOPS writes 32 bytes), the
 * additional data `additionalData` (the value's path: keys joined by `:` plus a trailing `:`; the
 * `lastmodified` time for the MAC). An empty string stays empty, as in SOPS. Throws {@link DecryptionError}
 * naming `where` when the tag does not verify (wrong key, tampered value or moved value).
 */
export function decryptValue(text: string, dataKey: Uint8Array, additionalData: string, where: string): DecryptedValue {
  if (text === "") return { value: "", macBytes: Buffer.alloc(0) };
  const enc = parseEncryptedValue(text, where);
  let plain: Buffer;
  try {
    if (enc.iv.length === 0 || enc.tag.length !== 16) throw new Error("bad iv or tag length");
    const decipher = createDecipheriv("aes-256-gcm", dataKey, enc.iv, { authTagLength: 16 });
    decipher.setAAD(Buffer.from(additionalData, "utf8"));
    decipher.setAuthTag(enc.tag);
    plain = Buffer.concat([decipher.update(enc.data), decipher.final()]);
  } catch (err: unknown) {
    throw new DecryptionError(
      `could not decrypt value at '${where}' with AES-GCM: authentication failed (wrong data key, or the value was modified or moved)`,
      { cause: err },
    );
  }
  const text8 = plain.toString("utf8");
  switch (enc.type) {
    case "str":
    case "time":
      return { value: text8, macBytes: plain };
    case "bytes":
      return { value: text8, macBytes: plain };
    case "comment":
      return { value: text8, macBytes: undefined };
    case "int": {
      if (!/^[+-]?\d+$/.test(text8)) throw new DecryptionError(`value at '${where}' of type int does not parse`);
      const int = BigInt(text8);
      return { value: int, macBytes: Buffer.from(int.toString()) };
    }
    case "float": {
      const float = Number(text8);
      if (text8.trim() === "" || Number.isNaN(float)) {
        throw new DecryptionError(`value at '${where}' of type float does not parse`);
      }
      return { value: float, macBytes: Buffer.from(formatGoFloat(float)) };
    }
    case "bool": {
      const bool = parseGoBool(text8);
      if (bool === undefined) throw new DecryptionError(`value at '${where}' of type bool does not parse`);
      return { value: bool, macBytes: Buffer.from(bool ? "True" : "False") };
    }
    default:
      throw new DecryptionError(`value at '${where}' has unknown SOPS data type '${enc.type}'`);
  }
}

/** Go's `strconv.ParseBool`. */
function parseGoBool(text: string): boolean | undefined {
  if (["1", "t", "T", "TRUE", "true", "True"].includes(text)) return true;
  if (["0", "f", "F", "FALSE", "false", "False"].includes(text)) return false;
  return undefined;
}
