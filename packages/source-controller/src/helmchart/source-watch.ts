// Re-triggering HelmCharts when their source has a new artifact (Flux's requestsForHelmRepositoryChange /
// requestsForGitRepositoryChange / requestsForBucketChange): HelmCharts are indexed by `<namespace>/<kind>/<name>` of their sourceRef,
// and a source update enqueues the charts that have not built from its current revision yet.

import {
  type Bucket,
  type GitRepository,
  type HelmChart,
  type HelmRepository,
  SOURCE_API_VERSION,
  SourceKind,
} from "@sluice/api";
import type { Informer } from "@sluice/runtime/cache";
import type { Controller } from "@sluice/runtime/controller";

/** Name of the HelmChart informer index by source. */
export const HELM_CHART_SOURCE_INDEX = "helmchart.sourceRef";

/** The index key of a source: `<namespace>/<kind>/<name>`. */
export function sourceIndexKey(namespace: string | undefined, kind: string, name: string): string {
  return `${namespace ?? ""}/${kind}/${name}`;
}

/** Keys of the HelmCharts of `source` whose `observedSourceArtifactRevision` differs from its artifact's. */
export function chartsToRebuild(
  source: HelmRepository | GitRepository | Bucket,
  kind: string,
  charts: Informer<HelmChart>,
): string[] {
  const revision = source.status?.artifact?.revision;
  if (!revision) return [];
  return charts
    .byIndex(HELM_CHART_SOURCE_INDEX, sourceIndexKey(source.metadata.namespace, kind, source.metadata.name ?? ""))
    .filter((c) => c.status?.observedSourceArtifactRevision !== revision)
    .map((c) => `${c.metadata.namespace}/${c.metadata.name}`);
}

/**
 * Adds the source index to the HelmChart controller's informer and watches HelmRepositories, GitRepositories
 * and Buckets, so a new index, commit or bucket revision rebuilds the charts that use it at once.
 */
export function watchHelmChartSources(controller: Controller<HelmChart>): void {
  controller.informer.addIndex(HELM_CHART_SOURCE_INDEX, (c) => [
    sourceIndexKey(c.metadata.namespace, c.spec.sourceRef.kind, c.spec.sourceRef.name),
  ]);
  controller.watches<HelmRepository>(SOURCE_API_VERSION, SourceKind.HelmRepository, (repo, charts) =>
    chartsToRebuild(repo, SourceKind.HelmRepository, charts),
  );
  controller.watches<GitRepository>(SOURCE_API_VERSION, SourceKind.GitRepository, (repo, charts) =>
    chartsToRebuild(repo, SourceKind.GitRepository, charts),
  );
  controller.watches<Bucket>(SOURCE_API_VERSION, SourceKind.Bucket, (bucket, charts) =>
    chartsToRebuild(bucket, SourceKind.Bucket, charts),
  );
}
