// Building a HelmChart from a chart repository (Flux's remoteChartBuilder): resolve the version, reuse the
// stored package when name and version are unchanged, otherwise download it and — with values files or
// version metadata — repackage it with the merged values.

import { createReadStream } from "node:fs";
import { copyFile, mkdir, readdir } from "node:fs/promises";
import { join } from "node:path";
import { extractTarball } from "@sluice/runtime/artifact";
import { type ChartBuild, emptyBuild } from "./build.js";
import { type ChartBuildOptions, cachedBuild, requiresPackaging, versionWithMetadata } from "./build-options.js";
import { loadChartMetadataFromArchive, MAX_CHART_SIZE, validateChartMetadata } from "./chart-metadata.js";
import { BuildErrorReasons, ChartBuildError } from "./errors.js";
import { helmPackage } from "./helm-cli.js";
import { effectiveValuesFiles, mergeChartValues } from "./values-files.js";
import { overwriteChartValues } from "./values-overwrite.js";
import { ChartReferenceError } from "./version-select.js";

/** A chart version a repository offers. */
export interface RemoteChartVersion {
  name: string;
  version: string;
}

/** A chart repository (HTTP index or OCI registry) as the builder uses it. */
export interface ChartDownloader<V extends RemoteChartVersion = RemoteChartVersion> {
  /**
   * The version of chart `name` that `version` selects. Throws {@link ChartReferenceError} when the
   * reference cannot resolve (invalid chart reference), anything else for a failure to reach the repository.
   */
  getChartVersion(name: string, version: string | undefined): Promise<V>;
  /** Downloads the chart package to a file in `dir` and returns its path. */
  downloadChart(cv: V, dir: string): Promise<string>;
}

const CHART_NAME = /^([-a-z0-9]+\/?\.?)+$/;

/** Builds chart `name` at `version` from `remote` into a package under `opts.home`. */
export async function buildRemoteChart<V extends RemoteChartVersion>(
  remote: ChartDownloader<V>,
  name: string,
  version: string | undefined,
  opts: ChartBuildOptions,
): Promise<ChartBuild> {
  if (name === "")
    throw new ChartBuildError(BuildErrorReasons.ChartReference, "no name set for remote chart reference");
  if (!CHART_NAME.test(name)) {
    throw new ChartBuildError(
      BuildErrorReasons.ChartReference,
      `invalid chart name '${name}': a valid name must be lower case letters and numbers and MAY be separated with dashes (-), slashes (/) or periods (.)`,
    );
  }
  let cv: V;
  try {
    cv = await remote.getChartVersion(name, version);
  } catch (err: unknown) {
    const stage = err instanceof ChartReferenceError ? BuildErrorReasons.ChartReference : BuildErrorReasons.ChartPull;
    throw new ChartBuildError(stage, `failed to get chart version for remote reference: ${message(err)}`, {
      cause: err,
    });
  }

  const packaging = requiresPackaging(opts);
  const result: ChartBuild = {
    ...emptyBuild(),
    name: cv.name,
    version: versionWithMetadata(cv.version, opts.versionMetadata),
  };
  const cached = await cachedBuild(result, opts, packaging);
  if (cached) return cached;

  const downloads = join(opts.home.dir, "download");
  await mkdir(downloads, { recursive: true, mode: 0o700 });
  let file: string;
  try {
    file = await remote.downloadChart(cv, downloads);
  } catch (err: unknown) {
    throw new ChartBuildError(
      BuildErrorReasons.ChartPull,
      `failed to download chart for remote reference: ${message(err)}`,
      { cause: err },
    );
  }

  if (!packaging) {
    try {
      const meta = await loadChartMetadataFromArchive(file);
      validateChartMetadata(meta);
    } catch (err: unknown) {
      throw new ChartBuildError(
        BuildErrorReasons.ChartPull,
        `failed to load chart metadata from written chart: ${message(err)}`,
        { cause: err },
      );
    }
    const out = join(opts.home.dir, "chart.tgz");
    await copyFile(file, out);
    return { ...result, path: out };
  }

  let chartDir: string;
  try {
    chartDir = await unpackChart(file, join(opts.home.dir, "unpacked"));
  } catch (err: unknown) {
    throw new ChartBuildError(BuildErrorReasons.ChartPackage, `failed to load downloaded chart: ${message(err)}`, {
      cause: err,
    });
  }
  const valuesFiles = effectiveValuesFiles(opts.valuesFiles);
  if (valuesFiles.length > 0) {
    try {
      const merged = await mergeChartValues(chartDir, opts.valuesFiles, opts.ignoreMissingValuesFiles);
      if (await overwriteChartValues(chartDir, merged.values)) result.valuesFiles = merged.files;
    } catch (err: unknown) {
      throw new ChartBuildError(BuildErrorReasons.ValuesFilesMerge, `failed to merge chart values: ${message(err)}`, {
        cause: err,
      });
    }
  }
  try {
    result.path = await helmPackage(opts.home, chartDir, result.version, opts.signal);
  } catch (err: unknown) {
    throw new ChartBuildError(BuildErrorReasons.ChartPackage, message(err), { cause: err });
  }
  result.packaged = true;
  return result;
}

/** Safely unpacks a chart package into `dir` and returns the chart's directory (the single top entry). */
export async function unpackChart(file: string, dir: string): Promise<string> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  await extractTarball(createReadStream(file), dir, { maxBytes: MAX_CHART_SIZE * 10 });
  const entries = await readdir(dir, { withFileTypes: true });
  const top = entries.filter((e) => e.isDirectory());
  if (top.length !== 1 || entries.length !== 1) throw new Error("chart package must hold exactly one top directory");
  return join(dir, (top[0] as { name: string }).name);
}

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
