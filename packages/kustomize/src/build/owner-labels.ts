import { KustomizeLabel } from "@sluice/api";

interface ObjectWithMetadata {
  metadata: { labels?: Record<string, string>; annotations?: Record<string, string> } & Record<string, unknown>;
}

/**
 * Sets the owner labels `kustomize.toolkit.fluxcd.io/name` and `…/namespace` (the Kustomization's name and
 * namespace) on every object, in place, overriding values from the manifests, so that prune and the
 * inventory recognise what this Kustomization applied.
 */
export function setOwnerLabels(
  objects: readonly ObjectWithMetadata[],
  owner: { name: string; namespace: string },
): void {
  for (const obj of objects) {
    obj.metadata.labels = {
      ...obj.metadata.labels,
      [KustomizeLabel.Name]: owner.name,
      [KustomizeLabel.Namespace]: owner.namespace,
    };
  }
}

/**
 * Applies `spec.commonMetadata` as Flux does after the build: its labels and annotations are added to every
 * object, in place, overriding keys already present (selectors and templates are left alone).
 */
export function setCommonMetadata(
  objects: readonly ObjectWithMetadata[],
  common: { labels?: Record<string, string> | undefined; annotations?: Record<string, string> | undefined } | undefined,
): void {
  if (!common) return;
  for (const obj of objects) {
    const labels = { ...obj.metadata.labels, ...common.labels };
    if (Object.keys(labels).length > 0) obj.metadata.labels = labels;
    const annotations = { ...obj.metadata.annotations, ...common.annotations };
    if (Object.keys(annotations).length > 0) obj.metadata.annotations = annotations;
  }
}
