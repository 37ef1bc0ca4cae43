// What a valid webhook call does (Flux's requestReconciliation): each `resources[]` entry — one object by
// name, or every object of the kind with the matchLabels when the name is `*` — that passes the filters is
// merge-patched with `reconcile.fluxcd.io/requestedAt`, which makes its controller reconcile it at once.

import { Annotation, type Receiver, type ReceiverResource } from "@sluice/api";
import { type KubeClient, PatchType, type UnstructuredObject } from "@sluice/runtime/kube";
import type { Logger } from "@sluice/runtime/logging";
import { evaluateFilter } from "./resource-filter.js";

/** API versions used for `resources[]` entries without `apiVersion`. */
export const DEFAULT_FLUX_API_VERSIONS: Readonly<Record<string, string>> = {
  Bucket: "source.toolkit.fluxcd.io/v1",
  HelmChart: "source.toolkit.fluxcd.io/v1",
  HelmRepository: "source.toolkit.fluxcd.io/v1",
  GitRepository: "source.toolkit.fluxcd.io/v1",
  OCIRepository: "source.toolkit.fluxcd.io/v1",
  ImageRepository: "image.toolkit.fluxcd.io/v1",
  ArtifactGenerator: "source.extensions.fluxcd.io/v1beta1",
};

/** Options of {@link requestReconciliations}. */
export interface ReconcileRequestOptions {
  client: KubeClient;
  /** `--no-cross-namespace-refs`. */
  noCrossNamespaceRefs?: boolean | undefined;
  /** The `req` variable of the filters. */
  req: Record<string, unknown>;
  logger: Logger;
  /** The annotation value (default: the current time, RFC 3339 with milliseconds). */
  now?: () => string;
}

/** What the CEL filters see of a resource. */
function resVariable(obj: UnstructuredObject): Record<string, unknown> {
  return { apiVersion: obj.apiVersion, kind: obj.kind, metadata: obj.metadata };
}

async function annotate(obj: UnstructuredObject, client: KubeClient, value: string): Promise<void> {
  const ref = {
    apiVersion: obj.apiVersion,
    kind: obj.kind,
    namespace: obj.metadata.namespace ?? "",
    name: obj.metadata.name ?? "",
  };
  try {
    await client.patch(
      ref,
      { metadata: { annotations: { [Annotation.ReconcileRequestedAt]: value } } },
      { type: PatchType.Merge },
    );
  } catch (err: unknown) {
    throw new Error(
      `failed to annotate resource: '${obj.kind}/${ref.name}.${ref.namespace}': ${err instanceof Error ? err.message : String(err)}`,
    );
  }
}

async function requestOne(
  receiver: Receiver,
  resource: ReceiverResource,
  options: ReconcileRequestOptions,
  value: string,
): Promise<number> {
  const defaultNs = receiver.metadata.namespace ?? "";
  let namespace = defaultNs;
  if (resource.namespace) {
    if (options.noCrossNamespaceRefs && resource.namespace !== defaultNs) {
      throw new Error("cross-namespace references are not allowed");
    }
    namespace = resource.namespace;
  }
  const apiVersion = resource.apiVersion || DEFAULT_FLUX_API_VERSIONS[resource.kind];
  if (!apiVersion) throw new Error(`apiVersion must be specified for kind "${resource.kind}"`);
  const filters = [receiver.spec.resourceFilter, resource.filter].filter((f): f is string => Boolean(f));
  const accepts = (obj: UnstructuredObject) =>
    filters.every((f) => evaluateFilter(f, { res: resVariable(obj), req: options.req }));
  let objects: UnstructuredObject[];
  if (resource.name === "*") {
    if (!resource.matchLabels) throw new Error("matchLabels field not set when using wildcard '*' as name");
    const selector = Object.entries(resource.matchLabels)
      .map(([k, v]) => `${k}=${v}`)
      .join(",");
    try {
      objects = (
        await options.client.list<UnstructuredObject>(apiVersion, resource.kind, { namespace, labelSelector: selector })
      ).items;
    } catch (err: unknown) {
      throw new Error(
        `failed listing resources in namespace "${namespace}" by matching labels ${JSON.stringify(resource.matchLabels)}: ${err instanceof Error ? err.message : String(err)}`,
      );
    }
    if (objects.length === 0) {
      options.logger.error(
        `no "${resource.kind}" resources found with matching labels ${JSON.stringify(resource.matchLabels)} in "${namespace}" namespace`,
      );
      return 0;
    }
  } else {
    try {
      objects = [
        await options.client.get<UnstructuredObject>({
          apiVersion,
          kind: resource.kind,
          namespace,
          name: resource.name,
        }),
      ];
    } catch (err: unknown) {
      throw new Error(
        `unable to read ${resource.kind} "${namespace}/${resource.name}" error: ${err instanceof Error ? err.message : String(err)}`,
      );
    }
  }
  let annotated = 0;
  for (const obj of objects) {
    const ref = `${obj.kind}/${obj.metadata.name}.${obj.metadata.namespace ?? ""}`;
    if (!accepts(obj)) {
      options.logger.debug(`resource '${ref}' NOT annotated because CEL expression returned false`);
      continue;
    }
    await annotate(obj, options.client, value);
    options.logger.info(`resource '${ref}' annotated`);
    annotated++;
  }
  return annotated;
}

/**
 * Requests a reconciliation of every resource the Receiver names. Each entry is tried even when another
 * fails; returns how many objects were annotated and the errors (the server answers 500 when any).
 */
export async function requestReconciliations(
  receiver: Receiver,
  options: ReconcileRequestOptions,
): Promise<{ annotated: number; errors: string[] }> {
  const value = (options.now ?? (() => new Date().toISOString()))();
  const errors: string[] = [];
  let annotated = 0;
  for (const resource of receiver.spec.resources) {
    try {
      annotated += await requestOne(receiver, resource, options, value);
    } catch (err: unknown) {
      const message = err instanceof Error ? err.message : String(err);
      options.logger.error({ resource, error: message }, "unable to request reconciliation");
      errors.push(message);
    }
  }
  return { annotated, errors };
}
