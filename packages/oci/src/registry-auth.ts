// The credentials, TLS and proxy settings an OCIRepository or ImageRepository pulls with: Docker config JSON from `secretRef` and from
// the image pull secrets of `serviceAccountName` (as Flux's k8schain keychain), and `ca.crt`/`tls.crt`/
// `tls.key` from `certSecretRef`.

import { type KubeClient, readSecretData } from "@sluice/runtime";
import { credentialsFor, type DockerConfigAuths, parseDockerConfig, type RegistryCredentials } from "./credentials.js";
import { OciInputError } from "./errors.js";
import type { ProxyOptions } from "./proxy.js";
import type { OciTlsOptions } from "./transport.js";

/** A Secret or ServiceAccount that could not be read or used; the message names it. */
export class RegistryAuthError extends Error {
  override readonly name = "RegistryAuthError";
}

interface ServiceAccountObject {
  imagePullSecrets?: { name?: string }[] | null;
}

/** Docker config auths of one Secret: `.dockerconfigjson` or `.dockercfg` (anything else is refused). */
async function secretAuths(client: KubeClient, namespace: string, name: string): Promise<DockerConfigAuths> {
  let data: Record<string, Buffer>;
  try {
    data = await readSecretData(client, namespace, name);
  } catch (err: unknown) {
    throw new RegistryAuthError(`failed to get secret '${namespace}/${name}': ${(err as Error).message}`, {
      cause: err,
    });
  }
  const json = data[".dockerconfigjson"] ?? data[".dockercfg"];
  if (!json) {
    throw new RegistryAuthError(
      `secret '${namespace}/${name}' has neither '.dockerconfigjson' nor '.dockercfg' (expected type kubernetes.io/dockerconfigjson)`,
    );
  }
  try {
    return parseDockerConfig(json, `secret '${namespace}/${name}'`);
  } catch (err: unknown) {
    if (err instanceof OciInputError) throw new RegistryAuthError(err.message, { cause: err });
    throw err;
  }
}

/**
 * The credentials for `registry`: from `secretRef`, then the ServiceAccount's `imagePullSecrets` (first
 * match wins); undefined for anonymous access. Throws {@link RegistryAuthError} naming what is unusable.
 */
export async function registryCredentials(
  client: KubeClient,
  namespace: string,
  registry: string,
  secretName: string | undefined,
  serviceAccountName: string | undefined,
): Promise<{ credentials: RegistryCredentials | undefined; secretCount: number }> {
  const configs: DockerConfigAuths[] = [];
  if (secretName) configs.push(await secretAuths(client, namespace, secretName));
  if (serviceAccountName) {
    let sa: ServiceAccountObject;
    try {
      sa = await client.get<ServiceAccountObject & { apiVersion: string; kind: string; metadata: object }>({
        apiVersion: "v1",
        kind: "ServiceAccount",
        namespace,
        name: serviceAccountName,
      });
    } catch (err: unknown) {
      throw new RegistryAuthError(
        `failed to get service account '${namespace}/${serviceAccountName}': ${(err as Error).message}`,
        { cause: err },
      );
    }
    for (const ref of sa.imagePullSecrets ?? []) {
      if (ref.name) configs.push(await secretAuths(client, namespace, ref.name));
    }
  }
  return { credentials: credentialsFor(registry, configs), secretCount: configs.length };
}

/**
 * TLS from `certSecretRef` (`ca.crt`, and `tls.crt` with `tls.key`), trusted in addition to the system roots.
 * Throws {@link RegistryAuthError} when the Secret can't be read, holds none of the keys, or only half a pair.
 */
export async function registryTls(client: KubeClient, namespace: string, name: string): Promise<OciTlsOptions> {
  let data: Record<string, Buffer>;
  try {
    data = await readSecretData(client, namespace, name);
  } catch (err: unknown) {
    throw new RegistryAuthError(`failed to get secret '${namespace}/${name}': ${(err as Error).message}`, {
      cause: err,
    });
  }
  const ca = data["ca.crt"];
  const cert = data["tls.crt"];
  const key = data["tls.key"];
  if ((cert === undefined) !== (key === undefined)) {
    throw new RegistryAuthError(`secret '${namespace}/${name}' must contain both 'tls.crt' and 'tls.key'`);
  }
  if (!ca && !cert) {
    throw new RegistryAuthError(
      `secret '${namespace}/${name}' must contain either 'ca.crt' or both 'tls.crt' and 'tls.key'`,
    );
  }
  return { ...(ca ? { ca } : {}), ...(cert && key ? { cert, key } : {}) };
}

/**
 * The proxy of `proxySecretRef`: `address` (required, an http(s) URL), optional `username` and `password`.
 * Throws {@link RegistryAuthError} naming the Secret and the missing or bad key.
 */
export async function registryProxy(client: KubeClient, namespace: string, name: string): Promise<ProxyOptions> {
  let data: Record<string, Buffer>;
  try {
    data = await readSecretData(client, namespace, name);
  } catch (err: unknown) {
    throw new RegistryAuthError(`failed to get secret '${namespace}/${name}': ${(err as Error).message}`, {
      cause: err,
    });
  }
  const address = data.address?.toString("utf8").trim();
  if (!address) throw new RegistryAuthError(`secret '${namespace}/${name}': key 'address' not found`);
  let url: URL;
  try {
    url = new URL(address);
  } catch {
    throw new RegistryAuthError(`secret '${namespace}/${name}': invalid proxy address '${address}'`);
  }
  if (url.protocol !== "http:") {
    throw new RegistryAuthError(
      `secret '${namespace}/${name}': proxy address '${address}' must be an http:// URL (the proxy connection itself is not TLS)`,
    );
  }
  const username = data.username?.toString("utf8");
  const password = data.password?.toString("utf8");
  return { url, ...(username !== undefined ? { username } : {}), ...(password !== undefined ? { password } : {}) };
}
