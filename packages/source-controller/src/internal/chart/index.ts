// Chart building for the HelmChart reconciler: version selection, chart metadata, values files merging,
// packaging with the real helm binary, and the remote (repository) and local (source artifact) builders.

export { buildSummary, type ChartBuild, emptyBuild, hasMetadata, isComplete, reasonForBuild } from "./build.js";
export { type ChartBuildOptions, requiresPackaging } from "./build-options.js";
export {
  type ChartMetadata,
  loadChartMetadata,
  loadChartMetadataFromArchive,
  MAX_CHART_SIZE,
  parseChartMetadata,
} from "./chart-metadata.js";
export { type BuildErrorReason, BuildErrorReasons, ChartBuildError, isPersistentBuildError } from "./errors.js";
export {
  HelmCommandError,
  type HelmHome,
  type HelmRepositoryEntry,
  runHelm,
  writePrivateFile,
  writeRepositoriesConfig,
} from "./helm-cli.js";
export { IndexChartDownloader, type IndexedChartVersion, resolveChartUrl } from "./http-downloader.js";
export { buildLocalChart, type DependencyRepositoriesSetup, type LocalChartReference } from "./local-builder.js";
export { OciChartDownloader, type OciChartVersion, selectTag } from "./oci-downloader.js";
export { buildRemoteChart, type ChartDownloader, type RemoteChartVersion, unpackChart } from "./remote-builder.js";
export { effectiveValuesFiles, encodeValues, mergeValues } from "./values-files.js";
export { ChartReferenceError, parseVersionConstraint, selectIndexVersion } from "./version-select.js";
