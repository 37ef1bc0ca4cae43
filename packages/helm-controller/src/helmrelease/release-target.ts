// Where a HelmRelease's release lives and whose identity acts on it (helm-controller's
// buildRESTClientGetter): release name and namespaces, the kubeconfig (the controller's or
// `spec.kubeConfig.secretRef`'s) and the service account to impersonate.

import {
  defaultReleaseName,
  type HelmRelease,
  type HelmReleaseSnapshot,
  releaseNamespace,
  storageNamespace as specStorageNamespace,
} from "@sluice/api";
import { errorMessage, GenericReconcileError, isNotFound, type KubeClient, StallingError } from "@sluice/runtime";
import type { EngineCapabilities, ReleaseTarget } from "../engine/release-engine.js";
import { type KubeconfigPolicy, sanitizeKubeconfig } from "../internal/helm/index.js";

/** Reason of a HelmRelease whose kubeconfig or identity cannot be set up (helm-controller's). */
export const RESTClientErrorReason = "RESTClientError";
/** Stalled reason for a spec this controller cannot honour. */
export const InvalidSpecReason = "InvalidSpec";

/** The controller-wide settings a target is built with. */
export interface TargetSettings {
  client: KubeClient;
  /** The controller's own kubeconfig text. */
  kubeconfig: string;
  /** `--default-service-account`: impersonated when `spec.serviceAccountName` is empty. */
  defaultServiceAccount?: string | undefined;
  capabilities: EngineCapabilities;
  /** `--insecure-kubeconfig-exec` / `--insecure-kubeconfig-tls` for `spec.kubeConfig` Secrets. */
  kubeconfigPolicy: KubeconfigPolicy;
}

/** The Secret `spec.kubeConfig.secretRef` names does not exist (deletion then skips the uninstall, as Flux does). */
export class KubeConfigSecretNotFoundError extends GenericReconcileError {}

interface SecretObject {
  apiVersion: string;
  kind: string;
  metadata: object;
  data?: Record<string, string>;
}

async function kubeconfigOf(settings: TargetSettings, obj: HelmRelease): Promise<string> {
  const ref = obj.spec.kubeConfig;
  if (!ref) return settings.kubeconfig;
  if (ref.configMapRef || !ref.secretRef) {
    throw new StallingError(
      InvalidSpecReason,
      "spec.kubeConfig.configMapRef (workload identity providers) is not supported by this helm-controller; use spec.kubeConfig.secretRef",
    );
  }
  const secretName = `${obj.metadata.namespace}/${ref.secretRef.name}`;
  let secret: SecretObject;
  try {
    secret = await settings.client.get<SecretObject>({
      apiVersion: "v1",
      kind: "Secret",
      namespace: obj.metadata.namespace ?? "",
      name: ref.secretRef.name,
    });
  } catch (err: unknown) {
    const message = `could not get KubeConfig secret '${secretName}': ${errorMessage(err)}`;
    if (isNotFound(err)) throw new KubeConfigSecretNotFoundError(RESTClientErrorReason, message, { cause: err });
    throw new GenericReconcileError(RESTClientErrorReason, message, { cause: err });
  }
  const key = ref.secretRef.key;
  const data = key ? secret.data?.[key] : (secret.data?.["value"] ?? secret.data?.["value.yaml"]);
  if (!data) {
    throw new GenericReconcileError(
      RESTClientErrorReason,
      key
        ? `KubeConfig secret '${secretName}' does not contain a '${key}' key with data`
        : `KubeConfig secret '${secretName}' does not contain a 'value' or 'value.yaml' key with data`,
    );
  }
  try {
    return sanitizeKubeconfig(Buffer.from(data, "base64").toString("utf8"), settings.kubeconfigPolicy);
  } catch (err: unknown) {
    throw new GenericReconcileError(
      RESTClientErrorReason,
      `failed to load KubeConfig from secret '${secretName}': ${errorMessage(err)}`,
      { cause: err },
    );
  }
}

/** `system:serviceaccount:<ns>:<name>` for `spec.serviceAccountName`, else `--default-service-account`. */
export function impersonatedUser(obj: HelmRelease, defaultServiceAccount?: string): string | undefined {
  const sa = obj.spec.serviceAccountName || defaultServiceAccount;
  return sa ? `system:serviceaccount:${obj.metadata.namespace}:${sa}` : undefined;
}

/**
 * The target of `obj`'s release as its spec asks for it. Stalls (InvalidSpec) when the engine cannot keep
 * release storage in `spec.storageNamespace` apart from the release namespace; a kubeconfig Secret that
 * cannot be read is a RESTClientError.
 */
export async function releaseTarget(
  settings: TargetSettings,
  obj: HelmRelease,
  signal?: AbortSignal,
): Promise<ReleaseTarget> {
  const namespace = releaseNamespace(obj);
  let storage = specStorageNamespace(obj);
  // A remote cluster's (spec.kubeConfig) records are where helm writes them: the release namespace there.
  if (!settings.capabilities.separateStorageNamespace || obj.spec.kubeConfig) {
    if (obj.spec.storageNamespace && obj.spec.storageNamespace !== namespace) {
      throw new StallingError(
        InvalidSpecReason,
        `spec.storageNamespace '${obj.spec.storageNamespace}' differs from the release namespace '${namespace}': the helm CLI stores releases in the namespace it installs into${obj.spec.kubeConfig ? " (on the spec.kubeConfig cluster)" : ""}`,
      );
    }
    storage = namespace;
  }
  return {
    name: defaultReleaseName(obj),
    namespace,
    storageNamespace: storage,
    kubeconfig: await kubeconfigOf(settings, obj),
    impersonate: impersonatedUser(obj, settings.defaultServiceAccount),
    signal,
  };
}

/** The target of the release recorded in `status` (to uninstall it after deletion or a target change). */
export async function recordedTarget(
  settings: TargetSettings,
  obj: HelmRelease,
  cur: HelmReleaseSnapshot,
  signal?: AbortSignal,
): Promise<ReleaseTarget> {
  return {
    name: cur.name,
    namespace: cur.namespace,
    storageNamespace: obj.status?.storageNamespace || cur.namespace,
    kubeconfig: await kubeconfigOf(settings, obj),
    impersonate: impersonatedUser(obj, settings.defaultServiceAccount),
    signal,
  };
}
