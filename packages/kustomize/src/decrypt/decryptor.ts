import { lstat, readFile } from "node:fs/promises";
import { replaceFile } from "@sluice/runtime/artifact";
import { isMap, parseAllDocuments } from "yaml";
import { verifyMac } from "./decrypt-tree.js";
import { DataKeyCache, decryptDocumentText, decryptLoaded } from "./document.js";
import { DecryptionError, errorMessage } from "./errors.js";
import { detectFormat, formatForPath, hasSopsMarker, loadEncrypted, splitMetadata, toPlainObject } from "./formats.js";
import { importKeys, type KeyRing } from "./keys.js";
import { collectSources, type SourceRef } from "./sources.js";
import { isSopsMap, toSopsValue } from "./tree.js";

/** Flux's `kustomize.toolkit.fluxcd.io/decrypt` annotation; `disabled` leaves an object encrypted. */
export const DECRYPT_ANNOTATION = "kustomize.toolkit.fluxcd.io/decrypt";

/** Flux's limit on the size of a file to decrypt (5 MiB). */
export const MAX_ENCRYPTED_FILE_SIZE = 5 << 20;

/** Options for {@link createDecryptor}. */
export interface DecryptorOptions {
  /**
   * Decoded data of the Secret named by `spec.decryption.secretRef` (e.g. what `readSecretData` returns):
   * `*.agekey` age identities and `*.asc` PGP private keys. Empty or unset: only files needing no key fail later.
   */
  keysSecretData?: Readonly<Record<string, Uint8Array | string>> | undefined;
  /** `<namespace>/<name>` of that Secret, for error messages. */
  secretName?: string | undefined;
  /** Largest file decrypted (default {@link MAX_ENCRYPTED_FILE_SIZE}). */
  maxFileSize?: number | undefined;
}

/** A Kubernetes object as the build produces it. */
export interface DecryptableObject {
  apiVersion?: unknown;
  kind?: unknown;
  metadata?: { name?: unknown; namespace?: unknown; annotations?: Record<string, string> | undefined } | undefined;
  [key: string]: unknown;
}

/**
 * SOPS decryption for one Kustomization reconcile (Flux's `decryptor.Decryptor`, provider `sops`).
 *
 * Use it in the build step, on the throw-away copy of the artifact:
 * 1. `await decryptor.decryptFilesInDir(root, specPath)` after the kustomization file is generated and before
 *    kustomize runs: decrypts secretGenerator `files`/`envs` inputs and patch files in place (format from the
 *    file name: YAML, JSON, dotenv, INI, else binary) with MAC verification, and checks the MAC of every
 *    SOPS-encrypted resource file the build reaches (remembered for step 2).
 * 2. `await decryptor.decryptResource(obj)` for each built object, before substitution: returns the decrypted
 *    copy of an object carrying a `sops` block (or of a Secret whose `data` entries are SOPS documents), or
 *    `undefined` when there is nothing to decrypt.
 * Every failure is a `DecryptionError` whose message names the file or object (report it as `Ready=False`,
 * reason `BuildFailed`, like Flux); no decrypted value ever appears in a message.
 */
export class Decryptor {
  readonly #ring: KeyRing;
  readonly #maxFileSize: number;
  readonly #cache = new DataKeyCache();
  /** Stored MACs (ciphertext) of resource files whose MAC verified before the build. */
  readonly #verifiedMacs = new Set<string>();
  /** Stored MACs of resource files whose MAC did not verify, with the file name. */
  readonly #tamperedMacs = new Map<string, string>();

  constructor(ring: KeyRing, maxFileSize: number) {
    this.#ring = ring;
    this.#maxFileSize = maxFileSize;
  }

  /**
   * Pre-build pass over the kustomization at `path` (relative to `root`, the build copy) and the local
   * directories it reaches. Decrypts generator inputs and patch files in place, verifies encrypted resource
   * files, and returns the root-relative paths of the files it decrypted. Nothing outside `root` is read;
   * symlinks must resolve inside it; irregular files and files over the size limit are refused.
   */
  async decryptFilesInDir(root: string, path = "."): Promise<string[]> {
    const decrypted: string[] = [];
    for (const ref of await collectSources(root, path)) {
      if (ref.role === "resource") await this.#verifyResourceFile(ref);
      else if (await this.#decryptFile(ref)) decrypted.push(ref.display);
    }
    return decrypted;
  }

  async #read(ref: SourceRef): Promise<string> {
    const info = await lstat(ref.path);
    if (!info.isFile()) {
      throw new DecryptionError(`decryption failed for file '${ref.display}': not a regular file`);
    }
    if (this.#maxFileSize > 0 && info.size > this.#maxFileSize) {
      throw new DecryptionError(
        `decryption failed for file '${ref.display}': size ${info.size} bytes exceeds the limit of ${this.#maxFileSize}`,
      );
    }
    return readFile(ref.path, "utf8");
  }

  async #decryptFile(ref: SourceRef): Promise<boolean> {
    let format = formatForPath(ref.role === "file" ? ref.key : ref.display);
    if (ref.role === "env" && format === "binary") format = "dotenv";
    if (ref.role === "patch" && format === "binary") format = "yaml";
    const text = await this.#read(ref);
    if (!hasSopsMarker(text, format)) return false;
    try {
      const plain = await decryptDocumentText(text, format, format, this.#ring, this.#cache);
      // Replaced, not written through: the tree may be hard links into a shared artifact extraction.
      await replaceFile(ref.path, plain, { mode: 0o600 });
    } catch (err: unknown) {
      throw new DecryptionError(`decryption failed for file '${ref.display}': ${errorMessage(err)}`, { cause: err });
    }
    return true;
  }

  async #verifyResourceFile(ref: SourceRef): Promise<void> {
    const format = formatForPath(ref.display);
    if (format !== "yaml" && format !== "json") return;
    const text = await this.#read(ref);
    if (!hasSopsMarker(text, format)) return;
    // Separately encrypted documents concatenated into one file each carry their own metadata and MAC.
    for (const doc of format === "yaml" ? separatelyEncrypted(text) : [text])
      await this.#verifyDocument(ref, doc, format);
  }

  async #verifyDocument(ref: SourceRef, text: string, format: "yaml" | "json"): Promise<void> {
    let loaded: ReturnType<typeof loadEncrypted>;
    try {
      loaded = loadEncrypted(text, format);
    } catch {
      return; // not a SOPS document after all; kustomize judges it
    }
    let dataKey: Uint8Array;
    try {
      dataKey = await this.#cache.get(loaded.metadata, this.#ring);
    } catch {
      return; // no key here: fails later only if the build really uses an object of it
    }
    try {
      const doc = await decryptLoaded(loaded, this.#ring, this.#cache);
      verifyMac(doc.metadata, doc.computedMac, dataKey);
      this.#verifiedMacs.add(loaded.metadata.mac);
    } catch (err: unknown) {
      this.#tamperedMacs.set(loaded.metadata.mac, `file '${ref.display}': ${errorMessage(err)}`);
    }
  }

  /**
   * Decrypts a built object (Flux's `DecryptResource`): an object with a `sops` block holding a MAC is decrypted
   * as a whole and returned without the block; a Secret whose `data` entries hold SOPS documents (a
   * secretGenerator over encrypted files) gets each entry decrypted and re-encoded in the format of its key's
   * file name. Objects annotated `kustomize.toolkit.fluxcd.io/decrypt: disabled` are left alone. The MAC must
   * match; when kustomize changed the object (namespace, labels, prefix), the MAC of the pristine resource file
   * verified by {@link decryptFilesInDir} stands in. Returns a new object, or `undefined` when nothing needed
   * decrypting. Throws `DecryptionError` `decryption failed for '<Kind>/<namespace>/<name>': <reason>`.
   */
  async decryptResource<T extends DecryptableObject>(obj: T): Promise<T | undefined> {
    if (isDecryptionDisabled(obj.metadata?.annotations)) return undefined;
    const fail = (err: unknown): DecryptionError =>
      new DecryptionError(`decryption failed for '${describe(obj)}': ${errorMessage(err)}`, { cause: err });
    if (isSopsEncrypted(obj)) {
      try {
        return (await this.#decryptWhole(obj)) as T;
      } catch (err: unknown) {
        throw fail(err);
      }
    }
    if (obj.kind === "Secret" && isRecordOf(obj["data"])) {
      const data = obj["data"] as Record<string, unknown>;
      let changed = false;
      const out: Record<string, unknown> = {};
      for (const [key, value] of Object.entries(data)) {
        out[key] = value;
        if (typeof value !== "string") continue;
        const text = Buffer.from(value, "base64").toString("utf8");
        const inFormat = detectFormat(text);
        if (!inFormat) continue;
        try {
          const plain = await decryptDocumentText(text, inFormat, formatForPath(key), this.#ring, this.#cache);
          out[key] = Buffer.from(plain, "utf8").toString("base64");
          changed = true;
        } catch (err: unknown) {
          throw new DecryptionError(
            `decryption failed for '${describe(obj)}' Secret field '${key}': ${errorMessage(err)}`,
            { cause: err },
          );
        }
      }
      return changed ? ({ ...obj, data: out } as T) : undefined;
    }
    return undefined;
  }

  async #decryptWhole(obj: DecryptableObject): Promise<Record<string, unknown>> {
    const tree = toSopsValue(obj);
    if (!isSopsMap(tree)) throw new DecryptionError("not an object");
    const loaded = splitMetadata([tree]);
    const doc = await decryptLoaded(loaded, this.#ring, this.#cache);
    try {
      verifyMac(doc.metadata, doc.computedMac, doc.dataKey);
    } catch (err: unknown) {
      const tampered = this.#tamperedMacs.get(doc.metadata.mac);
      if (tampered) throw new DecryptionError(tampered);
      if (!this.#verifiedMacs.has(doc.metadata.mac)) throw err;
    }
    return toPlainObject(doc.branches[0]!);
  }
}

/**
 * Imports the keys of the decryption Secret and returns a {@link Decryptor}. Throws `DecryptionError`
 * `failed to import '<key>' data from sops decryption Secret '<secret>': <reason>` for a malformed key.
 */
export async function createDecryptor(options: DecryptorOptions = {}): Promise<Decryptor> {
  const ring = await importKeys(options.keysSecretData ?? {}, options.secretName ?? "");
  return new Decryptor(ring, options.maxFileSize ?? MAX_ENCRYPTED_FILE_SIZE);
}

/** Whether the object is annotated `kustomize.toolkit.fluxcd.io/decrypt: disabled` (case-insensitive, as Flux). */
export function isDecryptionDisabled(annotations: Readonly<Record<string, string>> | undefined): boolean {
  return annotations?.[DECRYPT_ANNOTATION]?.toLowerCase() === "disabled";
}

/** Whether an object carries a SOPS metadata block with a MAC (Flux's `isSOPSEncryptedResource`). */
export function isSopsEncrypted(obj: DecryptableObject): boolean {
  const sops = obj["sops"];
  return isRecordOf(sops) && typeof sops["mac"] === "string" && sops["mac"] !== "";
}

/**
 * Whether the object is a `v1` Secret with a `sops` block (Flux's `IsEncryptedSecret`): the apply step refuses
 * it unless decryption is configured, with `<Kind>/<ns>/<name> is SOPS encrypted, configuring decryption is
 * required for this secret to be reconciled`.
 */
export function isEncryptedSecret(obj: DecryptableObject): boolean {
  return obj.kind === "Secret" && obj.apiVersion === "v1" && obj["sops"] !== undefined;
}

/**
 * The documents of a multi-document YAML file when they carry different SOPS MACs (files encrypted one by one
 * and concatenated); otherwise the whole text, which SOPS encrypted as one tree.
 */
function separatelyEncrypted(text: string): string[] {
  const docs = parseAllDocuments(text);
  if (!Array.isArray(docs) || docs.length < 2) return [text];
  const macs = new Set(
    docs.map((d) => {
      const sops = d.get("sops");
      return isMap(sops) ? String(sops.get("mac") ?? "") : "";
    }),
  );
  return macs.size > 1 ? docs.map((d) => d.toString()) : [text];
}

function describe(obj: DecryptableObject): string {
  const kind = typeof obj.kind === "string" ? obj.kind : "?";
  const name = typeof obj.metadata?.name === "string" ? obj.metadata.name : "?";
  const ns = typeof obj.metadata?.namespace === "string" && obj.metadata.namespace ? `${obj.metadata.namespace}/` : "";
  return `${kind}/${ns}${name}`;
}

function isRecordOf(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}
