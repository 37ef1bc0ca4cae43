// A throwaway certificate authority for HTTPS tests, made with the openssl CLI: a CA, a server certificate
// for 127.0.0.1/localhost and a client certificate, all PEM.

import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** PEM material of a test PKI. */
export interface TestPki {
  caCert: string;
  serverKey: string;
  serverCert: string;
  clientKey: string;
  clientCert: string;
}

/**
 * Generates a CA and server/client certificates signed by it (EC P-256, valid one day). `dnsNames` are added
 * to the server certificate (a stand-in for an internet host reached through a test proxy).
 */
export function createTestPki(options: { dnsNames?: string[] } = {}): TestPki {
  const dir = mkdtempSync(join(tmpdir(), "sc-pki-"));
  const ssl = (args: string[]) => execFileSync("openssl", args, { cwd: dir, stdio: ["ignore", "pipe", "pipe"] });
  try {
    const ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"];
    ssl(["req", "-x509", ...ec, "-keyout", "ca.key", "-out", "ca.crt", "-days", "1", "-subj", "/CN=sluice test CA"]);
    writeFileSync(
      join(dir, "server.ext"),
      `subjectAltName=${["IP:127.0.0.1", "DNS:localhost", ...(options.dnsNames ?? []).map((d) => `DNS:${d}`)].join(",")}\nextendedKeyUsage=serverAuth\n`,
    );
    writeFileSync(join(dir, "client.ext"), "extendedKeyUsage=clientAuth\n");
    for (const who of ["server", "client"]) {
      ssl(["req", ...ec, "-keyout", `${who}.key`, "-out", `${who}.csr`, "-subj", `/CN=sluice test ${who}`]);
      ssl([
        "x509",
        "-req",
        "-in",
        `${who}.csr`,
        "-CA",
        "ca.crt",
        "-CAkey",
        "ca.key",
        "-CAcreateserial",
        "-days",
        "1",
        "-out",
        `${who}.crt`,
        "-extfile",
        `${who}.ext`,
      ]);
    }
    const read = (f: string) => readFileSync(join(dir, f), "utf8");
    return {
      caCert: read("ca.crt"),
      serverKey: read("server.key"),
      serverCert: read("server.crt"),
      clientKey: read("client.key"),
      clientCert: read("client.crt"),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
