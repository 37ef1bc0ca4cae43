// Building a HelmChart from a chart inside a source artifact (Flux's localChartBuilder): a chart directory
// is packaged (dependencies built, values files merged, version metadata set); a packaged chart is copied
// as is unless values files or version metadata require repackaging.

import { copyFile, readdir, stat } from "node:fs/promises";
import { isAbsolute, join, posix, sep } from "node:path";
import { type ChartBuild, emptyBuild } from "./build.js";
import { type ChartBuildOptions, cachedBuild, versionWithMetadata } from "./build-options.js";
import { type ChartMetadata, loadChartMetadata, validateChartMetadata } from "./chart-metadata.js";
import { BuildErrorReasons, ChartBuildError } from "./errors.js";
import { helmDependencyBuild, helmPackage } from "./helm-cli.js";
import { unpackChart } from "./remote-builder.js";
import { effectiveValuesFiles, mergeFileValues, secureJoin } from "./values-files.js";
import { overwriteChartValues } from "./values-overwrite.js";

/**
 * Prepares helm for a chart's repository dependencies (writes repositories.yaml with the credentials of the
 * matching HelmRepositories); called only when dependencies are missing from `charts/`.
 */
export type DependencyRepositoriesSetup = (urls: string[]) => Promise<void>;

/** A chart at `path` inside an unpacked source artifact at `workDir`. */
export interface LocalChartReference {
  /** The unpacked source artifact (absolute). */
  workDir: string;
  /** `spec.chart`: relative path of the chart directory or package. */
  path: string;
}

/** Builds the chart at `ref` into a package under `opts.home`. */
export async function buildLocalChart(
  ref: LocalChartReference,
  opts: ChartBuildOptions,
  setupRepositories: DependencyRepositoriesSetup,
): Promise<ChartBuild> {
  if (ref.path === "")
    throw new ChartBuildError(BuildErrorReasons.ChartReference, "no path set for local chart reference");
  if (isAbsolute(ref.path)) {
    throw new ChartBuildError(
      BuildErrorReasons.ChartReference,
      "local chart reference path is expected to be relative",
    );
  }
  const securePath = secureJoin(ref.workDir, ref.path);
  let meta: ChartMetadata;
  let isChartDir: boolean;
  try {
    isChartDir = (await stat(securePath)).isDirectory();
    meta = await loadChartMetadata(securePath);
    validateChartMetadata(meta);
  } catch (err: unknown) {
    throw new ChartBuildError(BuildErrorReasons.ChartReference, referenceProblem(err, ref, securePath), { cause: err });
  }

  const result: ChartBuild = {
    ...emptyBuild(),
    name: meta.name,
    version: versionWithMetadata(meta.version, opts.versionMetadata),
  };
  const valuesFiles = effectiveValuesFiles(opts.valuesFiles);
  const packaging = isChartDir || opts.versionMetadata !== "" || valuesFiles.length > 0;
  const cached = await cachedBuild(result, opts, packaging);
  if (cached) return cached;

  if (!packaging) {
    const out = join(opts.home.dir, "chart.tgz");
    try {
      await copyFile(securePath, out);
    } catch (err: unknown) {
      throw new ChartBuildError(BuildErrorReasons.ChartPull, message(err), { cause: err });
    }
    return { ...result, path: out };
  }

  let merged: Awaited<ReturnType<typeof mergeFileValues>> | undefined;
  if (valuesFiles.length > 0) {
    try {
      merged = await mergeFileValues(ref.workDir, opts.valuesFiles, opts.ignoreMissingValuesFiles);
    } catch (err: unknown) {
      throw new ChartBuildError(BuildErrorReasons.ValuesFilesMerge, message(err), { cause: err });
    }
  }

  let chartDir = securePath;
  if (!isChartDir) {
    try {
      chartDir = await unpackChart(securePath, join(opts.home.dir, "unpacked"));
    } catch (err: unknown) {
      throw new ChartBuildError(BuildErrorReasons.ChartPackage, message(err), { cause: err });
    }
  }

  if (merged) {
    try {
      if (await overwriteChartValues(chartDir, merged.values)) result.valuesFiles = merged.files;
    } catch (err: unknown) {
      throw new ChartBuildError(BuildErrorReasons.ValuesFilesMerge, message(err), { cause: err });
    }
  }

  if (isChartDir) {
    try {
      result.resolvedDependencies = await buildDependencies(ref.workDir, chartDir, meta, opts, setupRepositories);
    } catch (err: unknown) {
      throw new ChartBuildError(BuildErrorReasons.DependencyBuild, message(err), { cause: err });
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

/**
 * Builds the dependencies missing from `charts/` with `helm dependency build` (local `file://` ones must stay
 * inside the source artifact); returns how many were missing.
 */
async function buildDependencies(
  workDir: string,
  chartDir: string,
  meta: ChartMetadata,
  opts: ChartBuildOptions,
  setupRepositories: DependencyRepositoriesSetup,
): Promise<number> {
  if (meta.dependencies.length === 0) return 0;
  let present: string[] = [];
  try {
    present = await readdir(join(chartDir, "charts"));
  } catch {
    present = [];
  }
  const missing = meta.dependencies.filter((d) => {
    const name = d.name ?? "";
    return !present.some((f) => f === name || (f.startsWith(`${name}-`) && f.endsWith(".tgz")));
  });
  if (missing.length === 0) return 0;
  const urls: string[] = [];
  for (const dep of missing) {
    const repo = dep.repository ?? "";
    if (repo.startsWith("file://")) {
      const target = posix.normalize(posix.join(chartDir.split(sep).join("/"), repo.slice("file://".length)));
      const root = workDir.split(sep).join("/");
      if (target !== root && !target.startsWith(`${root}/`)) {
        throw new Error(`dependency '${dep.name}' path '${repo}' is outside the source artifact`);
      }
    } else if (/^https?:\/\//.test(repo)) {
      urls.push(repo);
    } else if (repo !== "" && !repo.startsWith("oci://")) {
      throw new Error(`dependency '${dep.name}' has an unsupported repository '${repo}': only URLs are supported`);
    }
  }
  await setupRepositories([...new Set(urls)]);
  await helmDependencyBuild(opts.home, chartDir, opts.signal);
  return missing.length;
}

function referenceProblem(err: unknown, ref: LocalChartReference, securePath: string): string {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  if (code === "ENOENT") {
    const rel = securePath.slice(ref.workDir.length).split(sep).join("/");
    return `stat ${rel}: no such file or directory (chart path '${ref.path}' in the source artifact)`;
  }
  return message(err);
}

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
