import type { PrivateKey } from "openpgp";
import { DecryptionError, errorMessage } from "./errors.js";
import type { SopsMetadata } from "./metadata.js";

/** Secret data key suffix of an age identity file (Flux `DecryptionAgeExt`). */
export const AGE_KEY_SUFFIX = ".agekey";
// The age and OpenPGP libraries are loaded on first use: most controllers never decrypt, and OpenPGP alone
// adds several MiB to the process.
let ageModule: Promise<typeof import("age-encryption")> | undefined;
let pgpModule: Promise<typeof import("openpgp")> | undefined;
const age = () => (ageModule ??= import("age-encryption"));
const pgp = () => (pgpModule ??= import("openpgp"));

/** Secret data key suffix of an armored PGP private key (Flux `DecryptionPGPExt`). */
export const PGP_KEY_SUFFIX = ".asc";
/**
 * Flux's other decryption Secret keys: cloud KMS credentials and the Vault token. Recognised but not usable
 * here (no KMS or Vault clients); a file encrypted only for those fails with a message saying so.
 */
export const UNSUPPORTED_KEY_NAMES = ["sops.vault-token", "sops.aws-kms", "sops.azure-kv", "sops.gcp-kms"] as const;

/** Private keys imported from a decryption Secret. */
export interface KeyRing {
  /** age identities (`AGE-SECRET-KEY-1…`, `AGE-SECRET-KEY-PQ-1…`). */
  ageIdentities: string[];
  /** Unlocked PGP private keys. */
  pgpKeys: PrivateKey[];
  /** Secret keys present that name an unsupported provider (for error messages). */
  unsupported: string[];
}

/**
 * Imports the keys of a decryption Secret as Flux's `ImportKeys` does: every `*.agekey` entry holds age
 * identities (one a line, `#` comments allowed), every `*.asc` entry armored PGP private keys (without
 * passphrase, as Flux's GnuPG import needs). Throws {@link DecryptionError}
 * `failed to import '<key>' data from sops decryption Secret '<secret>': <reason>` for a malformed entry.
 */
export async function importKeys(
  data: Readonly<Record<string, Uint8Array | string>>,
  secret: string,
): Promise<KeyRing> {
  const ring: KeyRing = { ageIdentities: [], pgpKeys: [], unsupported: [] };
  for (const name of Object.keys(data).sort()) {
    const raw = data[name]!;
    const text = typeof raw === "string" ? raw : Buffer.from(raw).toString("utf8");
    const fail = (reason: string, cause?: unknown): DecryptionError =>
      new DecryptionError(`failed to import '${name}' data from sops decryption Secret '${secret}': ${reason}`, {
        cause,
      });
    if (name.endsWith(AGE_KEY_SUFFIX)) {
      ring.ageIdentities.push(...(await parseAgeIdentities(text, fail)));
    } else if (name.endsWith(PGP_KEY_SUFFIX)) {
      let keys: PrivateKey[];
      try {
        keys = await (await pgp()).readPrivateKeys({ armoredKeys: text });
      } catch (err: unknown) {
        throw fail(`not an armored PGP private key: ${errorMessage(err)}`, err);
      }
      for (const key of keys) {
        if (!key.isDecrypted()) throw fail("PGP private keys protected by a passphrase are not supported");
      }
      ring.pgpKeys.push(...keys);
    } else if ((UNSUPPORTED_KEY_NAMES as readonly string[]).includes(name)) {
      ring.unsupported.push(name);
    }
  }
  return ring;
}

async function parseAgeIdentities(text: string, fail: (reason: string, cause?: unknown) => Error): Promise<string[]> {
  const identities: string[] = [];
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.trim();
    if (line === "" || line.startsWith("#")) continue;
    if (!line.startsWith("AGE-SECRET-KEY-")) {
      throw fail(`line ${i + 1} is not an age identity (AGE-SECRET-KEY-1…)`);
    }
    try {
      await (await age()).identityToRecipient(line);
    } catch (err: unknown) {
      throw fail(`line ${i + 1} is not a valid age identity: ${errorMessage(err)}`, err);
    }
    identities.push(line);
  }
  if (identities.length === 0) throw fail("no age identity found");
  return identities;
}

/**
 * Recovers a file's 32-byte data key with the imported keys: each age entry (`sops.age[].enc`) is tried with
 * every age identity, then each PGP entry with the PGP keys. Throws {@link DecryptionError} listing the
 * recipients/fingerprints the file was encrypted for when no key matches.
 */
export async function decryptDataKey(metadata: SopsMetadata, ring: KeyRing): Promise<Uint8Array> {
  const failures: string[] = [];
  if (ring.ageIdentities.length > 0) {
    for (const entry of metadata.age) {
      const { armor, Decrypter } = await age();
      const decrypter = new Decrypter();
      for (const id of ring.ageIdentities) decrypter.addIdentity(id);
      try {
        return checkKey(await decrypter.decrypt(armor.decode(entry.enc.trim())));
      } catch (err: unknown) {
        failures.push(`age ${entry.recipient}: ${errorMessage(err)}`);
      }
    }
  }
  if (ring.pgpKeys.length > 0) {
    for (const entry of metadata.pgp) {
      try {
        const { decrypt: pgpDecrypt, readMessage } = await pgp();
        const message = await readMessage({ armoredMessage: entry.enc });
        const { data } = await pgpDecrypt({ message, decryptionKeys: ring.pgpKeys, format: "binary" });
        return checkKey(data as Uint8Array);
      } catch (err: unknown) {
        failures.push(`PGP ${entry.fp}: ${errorMessage(err)}`);
      }
    }
  }
  const wanted = [
    ...metadata.age.map((a) => `age recipient ${a.recipient}`),
    ...metadata.pgp.map((p) => `PGP fingerprint ${p.fp}`),
    ...metadata.otherKeyKinds.map((k) => `${k} (not supported)`),
  ];
  const have = `${ring.ageIdentities.length} age identities, ${ring.pgpKeys.length} PGP keys`;
  const detail = failures.length > 0 ? ` (${failures.join("; ")})` : "";
  throw new DecryptionError(
    `cannot get sops data key: none of the decryption keys (${have}) matches the file's master keys [${wanted.join(", ") || "none"}]${detail}`,
  );
}

function checkKey(key: Uint8Array): Uint8Array {
  if (key.length !== 32) throw new Error(`data key has ${key.length} bytes, want 32`);
  return key;
}
