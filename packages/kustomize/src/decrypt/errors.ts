/**
 * SOPS decryption failed: a key could not be imported, no key matched, a value did not decrypt, or the MAC did
 * not match. The message names the decryption Secret, file or object and the reason, never a decrypted value;
 * the reconciler reports it as `Ready=False` with reason `BuildFailed`, as Flux does.
 */
export class DecryptionError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "DecryptionError";
  }
}

/** The message of an unknown thrown value. */
export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
