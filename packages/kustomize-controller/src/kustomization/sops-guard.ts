// Never apply SOPS ciphertext: objects still carrying SOPS metadata after the build fail the reconcile.

import { KustomizeAnnotation, KustomizeDisabledValue } from "@sluice/api";
import type { UnstructuredObject } from "@sluice/runtime/kube";
import { subjectOf } from "@sluice/runtime/ssa";

/** An object still holds SOPS-encrypted data (`BuildFailed`; nothing is applied). */
export class EncryptedObjectError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "EncryptedObjectError";
  }
}

/** Whether an object is a SOPS document: a top-level `sops` map with a `mac` or encryption keys. */
export function isSopsEncrypted(obj: UnstructuredObject): boolean {
  const sops = obj["sops"];
  if (typeof sops !== "object" || sops === null || Array.isArray(sops)) return false;
  const meta = sops as Record<string, unknown>;
  return "mac" in meta || "age" in meta || "pgp" in meta || "lastmodified" in meta;
}

/** Whether the object opted out of decryption (`kustomize.toolkit.fluxcd.io/decrypt: disabled`). */
export function decryptionDisabled(obj: UnstructuredObject): boolean {
  return obj.metadata.annotations?.[KustomizeAnnotation.Decrypt]?.toLowerCase() === KustomizeDisabledValue;
}

/**
 * Throws {@link EncryptedObjectError} naming the first object that is still SOPS-encrypted (and did not opt
 * out of decryption), with Flux's message; `decryptionConfigured` adds why it was not decrypted.
 */
export function assertNoEncryptedObjects(objects: readonly UnstructuredObject[], decryptionConfigured: boolean): void {
  for (const obj of objects) {
    if (!isSopsEncrypted(obj) || decryptionDisabled(obj)) continue;
    const subject = subjectOf(obj);
    throw new EncryptedObjectError(
      decryptionConfigured
        ? `${subject} is SOPS encrypted and could not be decrypted: SOPS decryption is not available in this kustomize-controller build`
        : `${subject} is SOPS encrypted, configuring decryption is required for this secret to be reconciled`,
    );
  }
}
