// Client-certificate authentication as kube-apiserver's `--client-ca-file`: a certificate that the client CA
// verifies (chain, validity, client-auth usage) stands for user CN in groups O. The TLS server only requests a
// certificate (Node checks it against the CA but lets the handshake finish), so the verdict is made here.

import { createHash } from "node:crypto";
import type { IncomingMessage } from "node:http";
import { TLSSocket } from "node:tls";
import type { UserInfo } from "../api/request-context.js";

const CLIENT_AUTH = "1.3.6.1.5.5.7.3.2";
const ANY_USAGE = "2.5.29.37.0";

/** What a request's client certificate says: no certificate, a user, or a certificate that is not accepted. */
export type CertificateVerdict = { user: UserInfo } | "none" | "invalid";

function values(v: string | string[] | undefined): string[] {
  if (v === undefined) return [];
  return Array.isArray(v) ? v : [v];
}

/** The user of the request's verified client certificate (groups without `system:authenticated`). */
export function clientCertificateUser(req: IncomingMessage): CertificateVerdict {
  const socket = req.socket;
  if (!(socket instanceof TLSSocket)) return "none";
  const cert = socket.getPeerCertificate();
  if (!cert || Object.keys(cert).length === 0) return "none";
  if (!socket.authorized) return "invalid";
  // Go's verification with ExtKeyUsageClientAuth: a certificate without the extension may be used for anything.
  const usages = cert.ext_key_usage;
  if (usages !== undefined && !usages.includes(CLIENT_AUTH) && !usages.includes(ANY_USAGE)) return "invalid";
  const name = values(cert.subject?.CN)[0] ?? "";
  if (name === "") return "none"; // kube: a certificate without a common name authenticates nobody
  const credentialId = `X509SHA256=${createHash("sha256").update(cert.raw).digest("hex")}`;
  return {
    user: {
      name,
      groups: values(cert.subject?.O),
      extra: { "authentication.kubernetes.io/credential-id": [credentialId] },
    },
  };
}
