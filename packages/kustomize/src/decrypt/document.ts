import { decryptTree, verifyMac } from "./decrypt-tree.js";
import { type EncryptedDocument, emitPlain, loadEncrypted, type SopsFormat } from "./formats.js";
import { decryptDataKey, type KeyRing } from "./keys.js";
import type { SopsMetadata } from "./metadata.js";
import type { SopsMap } from "./tree.js";

/** A decrypted document: its branches, the MAC computed over them, and its metadata. */
export interface DecryptedDocument {
  branches: SopsMap[];
  metadata: SopsMetadata;
  /** The MAC computed over the plaintext (compare with the stored one with {@link verifyMac}). */
  computedMac: string;
  dataKey: Uint8Array;
}

/** Caches data keys by the encrypted key material, so documents sharing a data key are unwrapped once. */
export class DataKeyCache {
  readonly #keys = new Map<string, Uint8Array>();

  /** The data key of a document, unwrapped with the key ring on first use. */
  async get(metadata: SopsMetadata, ring: KeyRing): Promise<Uint8Array> {
    const id = [...metadata.age.map((a) => a.enc), ...metadata.pgp.map((p) => p.enc)].join("\u0000");
    const cached = this.#keys.get(id);
    if (cached) return cached;
    const key = await decryptDataKey(metadata, ring);
    this.#keys.set(id, key);
    return key;
  }
}

/** Unwraps the data key and decrypts the values of a loaded document, without checking the MAC. */
export async function decryptLoaded(
  doc: EncryptedDocument,
  ring: KeyRing,
  cache: DataKeyCache,
): Promise<DecryptedDocument> {
  const dataKey = await cache.get(doc.metadata, ring);
  const { branches, mac } = decryptTree(doc.branches, doc.metadata, dataKey);
  return { branches, metadata: doc.metadata, computedMac: mac, dataKey };
}

/**
 * Decrypts a whole SOPS document (`inputFormat`), verifies its MAC and writes the plaintext in `outputFormat`,
 * as SOPS' `decrypt` does. Throws `DecryptionError` (no key, bad value, MAC mismatch).
 */
export async function decryptDocumentText(
  text: string,
  inputFormat: SopsFormat,
  outputFormat: SopsFormat,
  ring: KeyRing,
  cache: DataKeyCache,
): Promise<string> {
  const doc = await decryptLoaded(loadEncrypted(text, inputFormat), ring, cache);
  verifyMac(doc.metadata, doc.computedMac, doc.dataKey);
  return emitPlain(doc.branches, outputFormat);
}
