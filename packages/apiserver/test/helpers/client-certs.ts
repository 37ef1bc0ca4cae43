import { generateKeyPairSync, randomBytes } from "node:crypto";
import forge from "node-forge";

/** A certificate and its private key (PEM). */
export interface CertAndKey {
  cert: string;
  key: string;
}

function keys(): { priv: forge.pki.rsa.PrivateKey; pub: forge.pki.rsa.PublicKey; pem: string } {
  const { privateKey } = generateKeyPairSync("rsa", {
    modulusLength: 2048,
    privateKeyEncoding: { type: "pkcs8", format: "pem" },
    publicKeyEncoding: { type: "spki", format: "pem" },
  });
  const priv = forge.pki.privateKeyFromPem(privateKey) as forge.pki.rsa.PrivateKey;
  return { priv, pub: forge.pki.setRsaPublicKey(priv.n, priv.e), pem: privateKey };
}

function serial(): string {
  const b = randomBytes(16);
  b[0] = b[0]! & 0x7f;
  return b.toString("hex");
}

/** A test CA that issues client certificates. */
export class TestCa {
  readonly cert: string;
  private readonly ca: forge.pki.Certificate;
  private readonly priv: forge.pki.rsa.PrivateKey;

  constructor(name: string) {
    const k = keys();
    const ca = forge.pki.createCertificate();
    ca.publicKey = k.pub;
    ca.serialNumber = serial();
    ca.validity.notBefore = new Date(Date.now() - 3600_000);
    ca.validity.notAfter = new Date(Date.now() + 24 * 3600_000);
    ca.setSubject([{ name: "commonName", value: name }]);
    ca.setIssuer([{ name: "commonName", value: name }]);
    ca.setExtensions([
      { name: "basicConstraints", cA: true, critical: true },
      { name: "keyUsage", keyCertSign: true, digitalSignature: true, critical: true },
    ]);
    ca.sign(k.priv, forge.md.sha256.create());
    this.ca = ca;
    this.priv = k.priv;
    this.cert = forge.pki.certificateToPem(ca);
  }

  /** Issues a client certificate for CN `user` in organizations `groups`. */
  issue(
    user: string,
    groups: string[],
    opts: { expired?: boolean; usage?: "clientAuth" | "serverAuth" } = {},
  ): CertAndKey {
    const k = keys();
    const c = forge.pki.createCertificate();
    c.publicKey = k.pub;
    c.serialNumber = serial();
    const now = Date.now();
    c.validity.notBefore = new Date(now - (opts.expired ? 7200_000 : 60_000));
    c.validity.notAfter = new Date(now + (opts.expired ? -3600_000 : 3600_000));
    c.setSubject([
      ...(user !== "" ? [{ name: "commonName", value: user }] : []),
      ...groups.map((g) => ({ name: "organizationName", value: g })),
    ]);
    c.setIssuer(this.ca.subject.attributes);
    const usage = opts.usage ?? "clientAuth";
    c.setExtensions([
      { name: "basicConstraints", cA: false },
      { name: "keyUsage", digitalSignature: true, keyEncipherment: true, critical: true },
      { name: "extKeyUsage", [usage]: true },
    ]);
    c.sign(this.priv, forge.md.sha256.create());
    return { cert: forge.pki.certificateToPem(c), key: k.pem };
  }
}
