import { chmodSync, writeFileSync } from "node:fs";
import { stringify } from "yaml";
import type { JsonObject } from "./util/json.js";

/**
 * Builds a kubeconfig for the server URL with a bearer token (and the CA for HTTPS). A plain-HTTP cluster gets
 * `insecure-skip-tls-verify: true`: @kubernetes/client-node refuses `http:` servers without it (client-go
 * ignores it for `http:` URLs).
 */
export function buildKubeconfig(url: string, token: string, caPem: string | undefined, name = "sluice"): JsonObject {
  const cluster: JsonObject = { server: url };
  if (caPem !== undefined) cluster["certificate-authority-data"] = Buffer.from(caPem).toString("base64");
  else if (url.startsWith("http:")) cluster["insecure-skip-tls-verify"] = true;
  return {
    apiVersion: "v1",
    kind: "Config",
    preferences: {},
    clusters: [{ name, cluster }],
    users: [{ name: `${name}-admin`, user: { token } }],
    contexts: [{ name, context: { cluster: name, user: `${name}-admin`, namespace: "default" } }],
    "current-context": name,
  };
}

/** Writes a kubeconfig as YAML, readable only by the owner (also when the file existed with a wider mode). */
export function writeKubeconfigFile(path: string, kubeconfig: JsonObject): void {
  writeFileSync(path, stringify(kubeconfig), { mode: 0o600 });
  chmodSync(path, 0o600);
}
