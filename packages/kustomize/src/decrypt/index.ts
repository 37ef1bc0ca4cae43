// SOPS decryption for the Kustomization build (Flux's kustomize-controller `decryptor` package).
//
//   const decryptor = await createKustomizationDecryptor(kustomization, client); // undefined without spec.decryption
//   (or: await createDecryptor({ keysSecretData, secretName }) with the Secret's decoded data)
//   await decryptor.decryptFilesInDir(buildRoot, specPath);   // before kustomize: generator inputs, patches
//   const plain = (await decryptor.decryptResource(obj)) ?? obj; // after kustomize, per object
//
// Errors are `DecryptionError`s naming the Secret key, file or object; report them as Ready=False/BuildFailed.

export {
  createDecryptor,
  DECRYPT_ANNOTATION,
  type DecryptableObject,
  Decryptor,
  type DecryptorOptions,
  isDecryptionDisabled,
  isEncryptedSecret,
  isSopsEncrypted,
  MAX_ENCRYPTED_FILE_SIZE,
} from "./decryptor.js";
export { DecryptionError } from "./errors.js";
export { detectFormat, formatForPath, type SopsFormat } from "./formats.js";
export { AGE_KEY_SUFFIX, PGP_KEY_SUFFIX, UNSUPPORTED_KEY_NAMES } from "./keys.js";
export { createKustomizationDecryptor, type DecryptingKustomization } from "./kustomization-decryptor.js";
