// The client a Kustomization applies with: the controller's own, one impersonating a service account
// (`spec.serviceAccountName`, `--default-service-account`), or one for a remote cluster (`spec.kubeConfig`).

import type { Kustomization } from "@sluice/api";
import {
  KubeClient,
  KubeConfig,
  type KubeConfigLike,
  type RateLimit,
  type UnstructuredObject,
} from "@sluice/runtime/kube";

/** The client could not be built (missing Secret or key, invalid kubeconfig): `ReconciliationFailed`. */
export class ClusterClientError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "ClusterClientError";
  }
}

/** Settings for {@link clusterClientFor}. */
export interface ClusterClientOptions {
  /** The controller's client (reads the kubeconfig Secret; used as is when no impersonation is needed). */
  client: KubeClient;
  /** `--default-service-account`. */
  defaultServiceAccount?: string | undefined;
  /** Rate limit of clients built here (default: none, the API server limits). */
  rateLimit?: RateLimit | false | undefined;
}

/** A client and whether the caller must close it. */
export interface ClusterClient {
  client: KubeClient;
  /** True when this client was made for the run (close it afterwards). */
  owned: boolean;
}

/** The user a Kustomization impersonates, or undefined. */
export function impersonatedUser(obj: Kustomization, defaultServiceAccount: string | undefined): string | undefined {
  const sa = obj.spec.serviceAccountName || defaultServiceAccount;
  return sa ? `system:serviceaccount:${obj.metadata.namespace}:${sa}` : undefined;
}

/**
 * The client for applying a Kustomization's objects: with `spec.kubeConfig.secretRef` a client for the
 * kubeconfig in that Secret (key `secretRef.key`, else `value`, else `value.yaml`); with a service account
 * (spec or default) the same cluster impersonating `system:serviceaccount:<namespace>:<name>`; otherwise the
 * controller's own client. Throws {@link ClusterClientError}.
 */
export async function clusterClientFor(obj: Kustomization, options: ClusterClientOptions): Promise<ClusterClient> {
  const user = impersonatedUser(obj, options.defaultServiceAccount);
  let base: KubeConfigLike | undefined;
  const kubeConfigSpec = obj.spec.kubeConfig;
  if (kubeConfigSpec) {
    if (!kubeConfigSpec.secretRef) {
      throw new ClusterClientError(
        "spec.kubeConfig.configMapRef (workload identity providers) is not supported by this kustomize-controller; use spec.kubeConfig.secretRef",
      );
    }
    base = await kubeConfigFromSecret(options.client, obj.metadata.namespace ?? "", kubeConfigSpec.secretRef);
  } else if (user) {
    base = options.client.kubeConfig;
  }
  if (!base) return { client: options.client, owned: false };
  const config = user ? impersonating(base, user) : base;
  return {
    client: KubeClient.fromKubeConfig(config, { rateLimit: options.rateLimit ?? false }),
    owned: true,
  };
}

async function kubeConfigFromSecret(
  client: KubeClient,
  namespace: string,
  ref: { name: string; key?: string | undefined },
): Promise<KubeConfig> {
  const where = `'${namespace}/${ref.name}'`;
  let secret: (UnstructuredObject & { data?: Record<string, string> }) | undefined;
  try {
    secret = await client.getOptional<UnstructuredObject & { data?: Record<string, string> }>({
      apiVersion: "v1",
      kind: "Secret",
      namespace,
      name: ref.name,
    });
  } catch (err: unknown) {
    throw new ClusterClientError(`unable to read KubeConfig secret ${where}: ${(err as Error).message}`, {
      cause: err,
    });
  }
  if (!secret) throw new ClusterClientError(`unable to read KubeConfig secret ${where}: secret not found`);
  const data = secret.data ?? {};
  const keys = ref.key ? [ref.key] : ["value", "value.yaml"];
  const key = keys.find((k) => data[k] !== undefined);
  if (!key) {
    throw new ClusterClientError(`KubeConfig secret ${where} does not contain a '${keys.join("' or '")}' key`);
  }
  const config = new KubeConfig();
  try {
    config.loadFromString(Buffer.from(data[key] ?? "", "base64").toString("utf8"));
  } catch (err: unknown) {
    throw new ClusterClientError(
      `KubeConfig secret ${where} key '${key}' is not a valid kubeconfig: ${(err as Error).message}`,
      {
        cause: err,
      },
    );
  }
  if (!config.getCurrentCluster()) {
    throw new ClusterClientError(`KubeConfig secret ${where} key '${key}' has no current cluster`);
  }
  return config;
}

function impersonating(base: KubeConfigLike, user: string): KubeConfig {
  const current = base.getCurrentUser();
  const config = new KubeConfig();
  config.loadFromOptions({
    clusters: base.clusters,
    users: base.users.map((u) => (u.name === current?.name ? { ...u, impersonateUser: user } : u)),
    contexts: base.contexts,
    currentContext: base.getCurrentContext(),
  });
  return config;
}
