// An SSH `identity` in a form the OpenSSH client loads. Flux (Go's x/crypto/ssh) reads PKCS#8 PEM keys of
// every type, and `flux create secret git` writes its generated keys that way; OpenSSH 9.x loads PKCS#8 RSA
// and ECDSA keys through OpenSSL but not ed25519 ones, so those are rewritten in OpenSSH's own format.

import { createPrivateKey } from "node:crypto";
import sshpk from "sshpk";

const PKCS8 = /-----BEGIN (ENCRYPTED )?PRIVATE KEY-----/;

/**
 * Returns `identity` unchanged unless it is a PKCS#8 ed25519 key, which comes back as an unencrypted
 * OpenSSH private key (it is only ever written to a 0600 file for one git call). A key that does not parse
 * is returned as it is, so ssh reports the failure as it would for any bad key.
 */
export function opensshIdentity(identity: string, passphrase?: string): string {
  if (!PKCS8.test(identity)) return identity;
  try {
    const key = createPrivateKey({ key: identity, format: "pem", ...(passphrase ? { passphrase } : {}) });
    if (key.asymmetricKeyType !== "ed25519") return identity;
    const pem = key.export({ type: "pkcs8", format: "pem" }).toString();
    return sshpk.parsePrivateKey(pem, "pkcs8").toString("openssh");
  } catch {
    return identity;
  }
}
