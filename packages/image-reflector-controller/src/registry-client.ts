// An OCI client for an ImageRepository: its registry with the credentials of `secretRef` and the
// ServiceAccount's image pull secrets, `certSecretRef`, `proxySecretRef` and `insecure`, through the shared
// @sluice/oci client (the same code source-controller pulls OCIRepositories with).

import type { ImageRepository } from "@sluice/api";
import { OciClient, RegistryAuthError, registryCredentials, registryProxy, registryTls } from "@sluice/oci";
import type { KubeClient } from "@sluice/runtime";
import type { ImageReference } from "./image-reference.js";

/** User-Agent of registry requests. */
export const USER_AGENT = "sluice-image-reflector-controller";

/** Auth could not be configured (AuthenticationFailed); the message names the Secret or ServiceAccount. */
export { RegistryAuthError };

/**
 * A client for `ref`'s registry configured from `repo`'s spec. Throws {@link RegistryAuthError} when a
 * referenced Secret or ServiceAccount is missing or unusable, or when a cloud `provider` is asked for.
 */
export async function registryClientFor(
  client: KubeClient,
  repo: ImageRepository,
  ref: ImageReference,
  signal: AbortSignal,
): Promise<OciClient> {
  const namespace = repo.metadata.namespace ?? "default";
  const spec = repo.spec;
  if (spec.provider && spec.provider !== "generic") {
    throw new RegistryAuthError(`provider '${spec.provider}' is not supported; use 'generic' with spec.secretRef`);
  }
  const { credentials } = await registryCredentials(
    client,
    namespace,
    ref.registry,
    spec.secretRef?.name,
    spec.serviceAccountName,
  );
  const tls = spec.certSecretRef ? await registryTls(client, namespace, spec.certSecretRef.name) : undefined;
  const proxy = spec.proxySecretRef ? await registryProxy(client, namespace, spec.proxySecretRef.name) : undefined;
  return new OciClient({
    registry: ref.registry,
    insecure: spec.insecure,
    credentials,
    tls,
    proxy,
    signal,
    userAgent: USER_AGENT,
  });
}
