// Reading `spec.postBuild.substituteFrom` ConfigMaps and Secrets for variable substitution.

import type { Kustomization } from "@sluice/api";
import type { KubeClient, UnstructuredObject } from "@sluice/runtime/kube";
import { type FetchedSubstituteSource, mergeSubstituteVariables } from "./variables.js";

/**
 * The post-build variables of a Kustomization: `substituteFrom` objects read from its namespace (a missing
 * optional one is skipped, a missing required one throws `SubstituteSourceNotFoundError`) merged with the
 * inline `substitute` map. Undefined when `postBuild` defines no variables.
 */
export async function postBuildVariables(
  client: Pick<KubeClient, "getOptional">,
  obj: Pick<Kustomization, "metadata" | "spec">,
): Promise<Map<string, string> | undefined> {
  const postBuild = obj.spec.postBuild;
  if (!postBuild || (!postBuild.substitute && !(postBuild.substituteFrom?.length ?? 0))) return undefined;
  const namespace = obj.metadata.namespace ?? "";
  const sources: FetchedSubstituteSource[] = [];
  for (const reference of postBuild.substituteFrom ?? []) {
    const found = await client.getOptional<UnstructuredObject & { data?: Record<string, string> }>({
      apiVersion: "v1",
      kind: reference.kind,
      namespace,
      name: reference.name,
    });
    sources.push({ reference, data: found ? (found.data ?? {}) : undefined });
  }
  return mergeSubstituteVariables(sources, postBuild.substitute);
}
