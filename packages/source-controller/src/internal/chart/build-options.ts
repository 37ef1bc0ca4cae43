// What a chart build needs besides the chart reference (Flux's chart.BuildOptions).

import { setChartVersionMetadata } from "@sluice/api";
import type { ChartBuild } from "./build.js";
import { loadChartMetadataFromArchive, validateChartMetadata } from "./chart-metadata.js";
import { BuildErrorReasons, ChartBuildError } from "./errors.js";
import type { HelmHome } from "./helm-cli.js";
import { effectiveValuesFiles } from "./values-files.js";

/** Options of a chart build. */
export interface ChartBuildOptions {
  /** SemVer build metadata to set on the chart version (`3`, `4e5cbb7b97d0.3`); empty for none. */
  versionMetadata: string;
  /** `spec.valuesFiles`. */
  valuesFiles: readonly string[];
  /** `spec.ignoreMissingValuesFiles`. */
  ignoreMissingValuesFiles: boolean;
  /** Local path of the currently stored chart package, reused when name and version still match. */
  cachedChart?: string | undefined;
  /** `status.observedValuesFiles` of the stored chart. */
  cachedChartValuesFiles?: readonly string[] | undefined;
  /** Build even when the cached chart matches (a new generation). */
  force: boolean;
  /** Private work directory (helm homes, downloads, credentials files); removed by the caller. */
  home: HelmHome;
  signal?: AbortSignal | undefined;
}

/** Whether the chart must be (re)packaged rather than stored as pulled. */
export function requiresPackaging(opts: ChartBuildOptions): boolean {
  return effectiveValuesFiles(opts.valuesFiles).length > 0 || opts.versionMetadata !== "";
}

/** `version` with the build metadata set (MetadataPatchError when the version is not SemVer). */
export function versionWithMetadata(version: string, metadata: string): string {
  if (metadata === "") return version;
  try {
    return setChartVersionMetadata(version, metadata);
  } catch (err: unknown) {
    throw new ChartBuildError(
      BuildErrorReasons.ChartMetadataPatch,
      `failed to set SemVer metadata on chart version: ${err instanceof Error ? err.message : String(err)}`,
      { cause: err },
    );
  }
}

/**
 * The cached build when the stored package has the same name and version and no rebuild is forced
 * (Flux: the chart is not pulled or packaged again); undefined otherwise.
 */
export async function cachedBuild(
  result: ChartBuild,
  opts: ChartBuildOptions,
  packaged: boolean,
): Promise<ChartBuild | undefined> {
  if (!opts.cachedChart || opts.force) return undefined;
  try {
    const meta = await loadChartMetadataFromArchive(opts.cachedChart);
    validateChartMetadata(meta);
    if (meta.name !== result.name || meta.version !== result.version) return undefined;
  } catch {
    return undefined;
  }
  return {
    ...result,
    path: opts.cachedChart,
    valuesFiles: [...(opts.cachedChartValuesFiles ?? effectiveValuesFiles(opts.valuesFiles))],
    packaged,
  };
}
