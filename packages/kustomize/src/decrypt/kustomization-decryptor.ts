import type { Decryption } from "@sluice/api";
import type { KubeClient } from "@sluice/runtime/kube";
import { createDecryptor, type Decryptor } from "./decryptor.js";
import { DecryptionError, errorMessage } from "./errors.js";

/** The parts of a Kustomization the decryptor needs. */
export interface DecryptingKustomization {
  metadata: { namespace?: string | undefined };
  spec: { decryption?: Decryption | undefined };
}

/** A Secret as the API returns it (`data` base64-encoded). */
interface SecretObject {
  apiVersion: string;
  kind: string;
  metadata: { name?: string; namespace?: string };
  data?: Record<string, string> | null;
}

/**
 * The {@link Decryptor} for a Kustomization's `spec.decryption` (provider `sops`), with the keys of the Secret
 * `spec.decryption.secretRef` in the Kustomization's namespace read through the API (never cached or logged);
 * `undefined` when the Kustomization has no `decryption`. Throws {@link DecryptionError}
 * `cannot get sops decryption Secret '<ns>/<name>': <reason>` when the Secret can't be read, or the key import
 * error. Both belong in `Ready=False` / `BuildFailed`, like every decryption failure.
 */
export async function createKustomizationDecryptor(
  kustomization: DecryptingKustomization,
  client: KubeClient,
): Promise<Decryptor | undefined> {
  const decryption = kustomization.spec.decryption;
  if (!decryption) return undefined;
  if (decryption.provider !== "sops") {
    throw new DecryptionError(`unsupported spec.decryption.provider '${String(decryption.provider)}': want 'sops'`);
  }
  const ref = decryption.secretRef;
  if (!ref?.name) return createDecryptor({});
  const namespace = kustomization.metadata.namespace ?? "default";
  const secretName = `${namespace}/${ref.name}`;
  let secret: SecretObject;
  try {
    secret = await client.get<SecretObject>({ apiVersion: "v1", kind: "Secret", namespace, name: ref.name });
  } catch (err: unknown) {
    throw new DecryptionError(`cannot get sops decryption Secret '${secretName}': ${errorMessage(err)}`, {
      cause: err,
    });
  }
  const keysSecretData: Record<string, Buffer> = {};
  for (const [key, value] of Object.entries(secret.data ?? {})) keysSecretData[key] = Buffer.from(value, "base64");
  return createDecryptor({ keysSecretData, secretName });
}
