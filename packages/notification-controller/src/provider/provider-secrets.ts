// Reading a Provider's Secrets (secretRef, certSecretRef, proxySecretRef) into notifier options, as Flux's
// createNotifier does: `address` and `token` and `headers` and basic-auth keys from secretRef, TLS from
// certSecretRef (or from secretRef's `ca.crt` for commit-status providers), the proxy from proxySecretRef.
// Every secret value read is returned too, so failures can be logged with those values masked.

import { COMMIT_STATUS_PROVIDER_TYPES, type Provider } from "@sluice/api";
import { parse as parseYaml } from "yaml";
import type { NotifierOptions, NotifierTls } from "../notifier/notifier.js";

/** Reads a Secret's decoded data; throws when it can't (the message names the Secret). */
export type SecretReader = (namespace: string, name: string) => Promise<Record<string, string>>;

/** A Provider's configuration is unusable (missing secret, bad headers, …); the message says which. */
export class ProviderConfigError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "ProviderConfigError";
  }
}

/** Resolved notifier options plus the secret values they hold (for masking). */
export interface ResolvedProvider {
  options: NotifierOptions;
  secretValues: string[];
}

/** Whether a provider type sets commit statuses (github, gitlab, gitea, bitbucketserver, bitbucket, azuredevops). */
export function isCommitStatusProvider(type: string): boolean {
  return (COMMIT_STATUS_PROVIDER_TYPES as readonly string[]).includes(type);
}

async function secret(read: SecretReader, namespace: string, name: string): Promise<Record<string, string>> {
  try {
    return await read(namespace, name);
  } catch (err: unknown) {
    throw new ProviderConfigError(
      `failed to get secret '${namespace}/${name}': ${err instanceof Error ? err.message : String(err)}`,
      { cause: err },
    );
  }
}

function tlsFrom(data: Record<string, string>, where: string, required: boolean): NotifierTls | undefined {
  const ca = data["ca.crt"] ?? data["caFile"];
  const cert = data["tls.crt"] ?? data["certFile"];
  const key = data["tls.key"] ?? data["keyFile"];
  if ((cert === undefined) !== (key === undefined)) {
    throw new ProviderConfigError(`invalid ${where}: tls.crt and tls.key must be set together`);
  }
  if (ca === undefined && cert === undefined) {
    if (required) throw new ProviderConfigError(`invalid ${where}: it must contain ca.crt, or tls.crt and tls.key`);
    return undefined;
  }
  return { ...(ca !== undefined ? { ca } : {}), ...(cert !== undefined ? { cert, key } : {}) };
}

/**
 * The notifier options of `provider` with its secrets read through `read`. Throws
 * {@link ProviderConfigError} when a referenced secret is missing or holds unusable values.
 */
export async function resolveProvider(provider: Provider, read: SecretReader): Promise<ResolvedProvider> {
  const ns = provider.metadata.namespace ?? "";
  const spec = provider.spec;
  const secretValues: string[] = [];
  const options: NotifierOptions = {
    url: spec.address ?? "",
    providerUid: provider.metadata.uid,
    providerName: provider.metadata.name,
    providerNamespace: ns,
  };
  if (spec.channel) options.channel = spec.channel;
  if (spec.username) options.username = spec.username;
  if (spec.proxy) options.proxyUrl = spec.proxy;
  let providerSecret: Record<string, string> | undefined;
  if (spec.secretRef) {
    const data = await secret(read, ns, spec.secretRef.name);
    providerSecret = data;
    const where = `secret '${ns}/${spec.secretRef.name}'`;
    const address = data["address"]?.trim();
    if (address !== undefined) {
      if (address.length > 2048) {
        throw new ProviderConfigError(`invalid address in ${where}: address exceeds maximum length of 2048 bytes`);
      }
      options.url = address;
      secretValues.push(address, ...urlSecrets(address));
    }
    const proxy = data["proxy"]?.trim();
    if (proxy) {
      options.proxyUrl = proxy;
      secretValues.push(proxy);
    }
    if (data["headers"] !== undefined) {
      let headers: unknown;
      try {
        headers = parseYaml(data["headers"]);
      } catch (err: unknown) {
        throw new ProviderConfigError(
          `failed to read headers from ${where}: ${err instanceof Error ? err.message : String(err)}`,
        );
      }
      if (headers !== null && (typeof headers !== "object" || Array.isArray(headers))) {
        throw new ProviderConfigError(`failed to read headers from ${where}: expected a map of header names to values`);
      }
      options.headers = {};
      for (const [k, v] of Object.entries((headers ?? {}) as Record<string, unknown>)) {
        options.headers[k] = String(v);
        secretValues.push(String(v));
      }
    }
    const token = data["token"]?.trim();
    if (token) {
      options.token = token;
      secretValues.push(token);
    }
    if (data["username"] !== undefined && data["password"] !== undefined) {
      options.username = data["username"];
      options.password = data["password"];
      secretValues.push(data["password"]);
    }
    options.secretData = data;
  }
  if (spec.proxySecretRef) {
    const data = await secret(read, ns, spec.proxySecretRef.name);
    const where = `proxySecretRef '${ns}/${spec.proxySecretRef.name}'`;
    const address = data["address"]?.trim();
    if (!address) throw new ProviderConfigError(`invalid ${where}: key 'address' is required`);
    let url: URL;
    try {
      url = new URL(address);
    } catch {
      throw new ProviderConfigError(`invalid ${where}: 'address' is not a URL`);
    }
    if (data["username"]) url.username = encodeURIComponent(data["username"]);
    if (data["password"]) {
      url.password = encodeURIComponent(data["password"]);
      secretValues.push(data["password"]);
    }
    options.proxyUrl = url.toString();
  }
  if (spec.certSecretRef) {
    const data = await secret(read, ns, spec.certSecretRef.name);
    options.tls = tlsFrom(data, `certSecretRef '${ns}/${spec.certSecretRef.name}'`, true);
    if (data["tls.key"]) secretValues.push(data["tls.key"]);
  } else if (providerSecret && isCommitStatusProvider(spec.type)) {
    options.tls = tlsFrom(providerSecret, `secret '${ns}/${spec.secretRef?.name ?? ""}'`, false);
  }
  return { options, secretValues: secretValues.filter((v) => v.length >= 4) };
}

/** The parts of a secret URL that identify it (a webhook's path and query, user info). */
function urlSecrets(address: string): string[] {
  try {
    const url = new URL(address);
    const parts = [url.search.replace(/^\?/, ""), url.password];
    // Every tail of the path (a service may echo only part of it), and long segments on their own.
    const segments = url.pathname.split("/").filter(Boolean);
    for (let i = 0; i < segments.length; i++) parts.push(segments.slice(i).join("/"));
    for (const segment of segments) if (segment.length >= 12) parts.push(segment);
    return parts.filter((p) => p.length >= 8);
  } catch {
    return [];
  }
}

/** Replaces every secret value in `text` with `*****` (Flux's masktoken, for all the provider's secrets). */
export function maskSecrets(text: string, secretValues: readonly string[]): string {
  let out = text;
  for (const value of [...secretValues].sort((a, b) => b.length - a.length)) out = out.split(value).join("*****");
  return out;
}
