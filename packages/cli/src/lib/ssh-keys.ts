// SSH key material for `create secret git --url=ssh://…`, as flux writes it (fluxcd/pkg/ssh): a generated
// private key as PKCS#8 PEM ("PRIVATE KEY"), its public key in authorized_keys form without comment, and the
// server's host key as one known_hosts line collected by dialling the server (`ssh2`, pure JavaScript, so
// no ssh-keyscan is needed). `sshpk` reads user-supplied keys in every format OpenSSH and Go accept.

import { generateKeyPairSync } from "node:crypto";
import ssh2 from "ssh2";
import sshpk from "sshpk";

export const SSH_KEY_ALGORITHMS = ["rsa", "ecdsa", "ed25519"] as const;
export type SshKeyAlgorithm = (typeof SSH_KEY_ALGORITHMS)[number];
export const ECDSA_CURVES = { p256: "P-256", p384: "P-384", p521: "P-521" } as const;
export type EcdsaCurve = keyof typeof ECDSA_CURVES;

/** A private key as stored in `identity` and its public key as stored in `identity.pub`. */
export interface SshKeyPair {
  privateKey: string;
  publicKey: string;
}

/** `<type> <base64>\n`, as Go's ssh.MarshalAuthorizedKey prints it. */
function authorizedKey(key: sshpk.PrivateKey): string {
  const [type, blob] = key.toPublic().toString("ssh").split(" ");
  return `${type} ${blob}\n`;
}

/** A new key pair of `algorithm` (flux's `--ssh-key-algorithm`, `--ssh-rsa-bits`, `--ssh-ecdsa-curve`). */
export function generateSshKeyPair(algorithm: SshKeyAlgorithm, rsaBits: number, curve: EcdsaCurve): SshKeyPair {
  const pair =
    algorithm === "rsa"
      ? generateKeyPairSync("rsa", { modulusLength: rsaBits })
      : algorithm === "ecdsa"
        ? generateKeyPairSync("ec", { namedCurve: ECDSA_CURVES[curve] })
        : generateKeyPairSync("ed25519");
  const privateKey = pair.privateKey.export({ type: "pkcs8", format: "pem" }).toString();
  return { privateKey, publicKey: authorizedKey(sshpk.parsePrivateKey(privateKey, "pkcs8")) };
}

/** A user's private key (any format, encrypted with `password` when given); the key is kept as given. */
export function loadSshKeyPair(privateKey: string, password?: string): SshKeyPair {
  const key = sshpk.parsePrivateKey(privateKey, "auto", password ? { passphrase: password } : {});
  return { privateKey, publicKey: authorizedKey(key) };
}

/** Go's knownhosts.Normalize: the bare host on port 22, `[host]:port` otherwise. */
export function knownHostsName(host: string, port: number): string {
  const bare = host.replace(/^\[(.*)\]$/, "$1");
  return port === 22 ? bare : `[${bare}]:${port}`;
}

// Go's x/crypto/ssh client default host key preference (certificates aside), so the same key is picked.
const HOST_KEY_ALGORITHMS = [
  "ecdsa-sha2-nistp256",
  "ecdsa-sha2-nistp384",
  "ecdsa-sha2-nistp521",
  "rsa-sha2-256",
  "rsa-sha2-512",
  "ssh-rsa",
  "ssh-dss",
  "ssh-ed25519",
] as const;

/**
 * Dials `host:port` and returns the host key it presents as one known_hosts line; authentication is never
 * attempted to completion (no credentials are offered), as with flux's ScanHostKey.
 */
export function scanHostKey(host: string, port: number, timeoutMs = 30_000): Promise<string> {
  return new Promise((resolve, reject) => {
    const client = new ssh2.Client();
    let line: string | undefined;
    const done = (err?: Error) => {
      client.removeAllListeners();
      client.on("error", () => {});
      client.end();
      if (line) resolve(line);
      else reject(new Error(`SSH key scan for host ${host}:${port} failed, error: ${err?.message ?? "no host key"}`));
    };
    client.on("error", done);
    client.on("close", () => done());
    client.on("ready", () => done());
    client.connect({
      host: host.replace(/^\[(.*)\]$/, "$1"),
      port,
      username: "git",
      readyTimeout: timeoutMs,
      algorithms: { serverHostKey: [...HOST_KEY_ALGORITHMS] },
      hostVerifier: (key: Buffer) => {
        // The key blob starts with its type as an SSH string (uint32 length + name).
        const type = key.subarray(4, 4 + key.readUInt32BE(0)).toString("latin1");
        line = `${knownHostsName(host, port)} ${type} ${key.toString("base64")}`;
        // Refuse to go on: the key is all that is wanted.
        return false;
      },
    });
  });
}
