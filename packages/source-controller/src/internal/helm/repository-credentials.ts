// A HelmRepository's connection settings (Flux's GetClientOpts), shared by the HelmRepository and HelmChart reconcilers:
// basic auth from `secretRef`, TLS from `certSecretRef` (or, deprecated, `secretRef`), passCredentials and
// timeout — for HTTP downloads in memory, for helm (OCI pulls, dependency builds) as 0600 files.

import { HELM_REPOSITORY_DEFAULT_TIMEOUT, type HelmRepository, parseDuration } from "@sluice/api";
import { type DockerConfigAuths, parseDockerConfig } from "@sluice/oci";
import { errorMessage } from "@sluice/runtime/errors";
import type { KubeClient } from "@sluice/runtime/kube";
import { type HelmHome, writePrivateFile } from "../chart/index.js";
import { readSecretData } from "../reconcile/index.js";
import type { IndexFetchOptions } from "./fetch-index.js";

/** A Secret that could not be used; the message names it and the cause (reason AuthenticationFailed). */
export class RepositoryCredentialsError extends Error {
  override readonly name = "RepositoryCredentialsError";
}

/** What a HelmRepository's Secrets provide. */
export interface RepositoryCredentials {
  basicAuth?: { username: string; password: string } | undefined;
  caCert?: string | undefined;
  clientCert?: { cert: string; key: string } | undefined;
  /** Registry credentials of a `kubernetes.io/dockerconfigjson` secretRef (OCI repositories). */
  dockerConfig?: DockerConfigAuths | undefined;
  passCredentials: boolean;
  timeoutMs: number;
  /** TLS material came from `secretRef` (deprecated in Flux in favour of `certSecretRef`). */
  tlsFromSecretRef?: boolean | undefined;
}

/** Reads the credentials of `repo` (throws {@link RepositoryCredentialsError}). */
export async function readRepositoryCredentials(
  client: KubeClient,
  repo: HelmRepository,
): Promise<RepositoryCredentials> {
  const namespace = repo.metadata.namespace ?? "";
  const creds: RepositoryCredentials = {
    passCredentials: repo.spec.passCredentials === true,
    timeoutMs: parseDuration(repo.spec.timeout ?? HELM_REPOSITORY_DEFAULT_TIMEOUT),
  };
  const read = async (name: string, what: string) => {
    try {
      return await readSecretData(client, namespace, name);
    } catch (err: unknown) {
      throw new RepositoryCredentialsError(`failed to get ${what} '${namespace}/${name}': ${errorMessage(err)}`, {
        cause: err,
      });
    }
  };
  const applyTls = (data: Record<string, Buffer>, secretName: string) => {
    const ca = data["ca.crt"] ?? data["caFile"];
    const cert = data["tls.crt"] ?? data["certFile"];
    const key = data["tls.key"] ?? data["keyFile"];
    if ((cert === undefined) !== (key === undefined)) {
      throw new RepositoryCredentialsError(
        `failed to construct Helm client's TLS config: secret '${namespace}/${secretName}' must contain both 'tls.crt' and 'tls.key'`,
      );
    }
    if (ca) creds.caCert = ca.toString("utf8");
    if (cert && key) creds.clientCert = { cert: cert.toString("utf8"), key: key.toString("utf8") };
    return ca !== undefined || cert !== undefined;
  };
  if (repo.spec.certSecretRef) {
    applyTls(await read(repo.spec.certSecretRef.name, "TLS authentication secret"), repo.spec.certSecretRef.name);
  }
  if (repo.spec.secretRef) {
    const name = repo.spec.secretRef.name;
    const data = await read(name, "authentication secret");
    const username = data["username"]?.toString("utf8");
    const password = data["password"]?.toString("utf8");
    if ((username === undefined) !== (password === undefined)) {
      throw new RepositoryCredentialsError(
        `failed to detect authentication methods: secret '${namespace}/${name}': malformed basic auth - has '${username === undefined ? "password" : "username"}' but missing '${username === undefined ? "username" : "password"}'`,
      );
    }
    if (username !== undefined && password !== undefined) creds.basicAuth = { username, password };
    const dockerConfig = data[".dockerconfigjson"];
    if (dockerConfig && !creds.basicAuth && repo.spec.type === "oci") {
      try {
        creds.dockerConfig = parseDockerConfig(dockerConfig, `secret '${namespace}/${name}'`);
      } catch (err: unknown) {
        throw new RepositoryCredentialsError(errorMessage(err), { cause: err });
      }
    }
    if (!repo.spec.certSecretRef && applyTls(data, name)) creds.tlsFromSecretRef = true;
  }
  return creds;
}

/** The HTTP client settings of a chart download. */
export function fetchOptionsOf(creds: RepositoryCredentials, signal: AbortSignal | undefined): IndexFetchOptions {
  return {
    timeoutMs: creds.timeoutMs,
    passCredentials: creds.passCredentials,
    ...(creds.basicAuth ? { basicAuth: creds.basicAuth } : {}),
    ...(creds.caCert ? { caCert: creds.caCert } : {}),
    ...(creds.clientCert ? { clientCert: creds.clientCert } : {}),
    ...(signal ? { signal } : {}),
  };
}

/** The TLS material written as 0600 files in the helm home (`prefix` keeps several repositories apart). */
export async function writeTlsFiles(home: HelmHome, creds: RepositoryCredentials, prefix: string) {
  return {
    caFile: creds.caCert ? await writePrivateFile(home, `${prefix}-ca.crt`, creds.caCert) : undefined,
    certFile: creds.clientCert ? await writePrivateFile(home, `${prefix}-tls.crt`, creds.clientCert.cert) : undefined,
    keyFile: creds.clientCert ? await writePrivateFile(home, `${prefix}-tls.key`, creds.clientCert.key) : undefined,
  };
}

/** Flux's NormalizeURL: OCI URLs lose trailing slashes, HTTP(S) URLs get exactly one. */
export function normalizeRepositoryUrl(url: string): string {
  if (url === "") return url;
  const u = new URL(url);
  if (u.protocol === "oci:") return url.replace(/\/+$/, "");
  return url.endsWith("/") ? url.replace(/\/+$/, "/") : `${url}/`;
}
