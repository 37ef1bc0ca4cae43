// The result of a chart build (Flux's chart.Build): what was pulled or packaged, and how it is summarized in
// conditions and events.

/** The outcome of a chart build. */
export interface ChartBuild {
  /** Chart name (Chart.yaml `name`). */
  name: string;
  /** Chart version, with the build metadata the HelmChart adds (`1.2.0+3`). */
  version: string;
  /** Local path of the chart package; empty until the build is complete. */
  path: string;
  /** The values files merged into the package (as given in the spec). */
  valuesFiles: string[];
  /** Number of dependencies resolved into the package. */
  resolvedDependencies: number;
  /** Whether the chart was (re)packaged, as opposed to pulled as-is. */
  packaged: boolean;
}

/** An empty build (nothing known yet). */
export function emptyBuild(): ChartBuild {
  return { name: "", version: "", path: "", valuesFiles: [], resolvedDependencies: 0, packaged: false };
}

/** Whether name and version are known. */
export function hasMetadata(build: ChartBuild): boolean {
  return build.name !== "" && build.version !== "";
}

/** Whether the build produced a package on disk. */
export function isComplete(build: ChartBuild): boolean {
  return hasMetadata(build) && build.path !== "";
}

/**
 * Flux's build summary: `pulled 'podinfo' chart with version '6.0.3'`, `packaged '…' chart with version
 * '…' and merged values files [a.yaml b.yaml]`, `new '…' chart with version '…'` before the package exists.
 */
export function buildSummary(build: ChartBuild): string {
  if (!hasMetadata(build)) return "no chart build";
  const action = build.path === "" ? "new" : build.packaged ? "packaged" : "pulled";
  let s = `${action} '${build.name}' chart with version '${build.version}'`;
  if (build.valuesFiles.length > 0) s += ` and merged values files [${build.valuesFiles.join(" ")}]`;
  return s;
}

/** `ChartPackageSucceeded` for a packaged build, `ChartPullSucceeded` for a pulled one, "" when incomplete. */
export function reasonForBuild(build: ChartBuild): string {
  if (!isComplete(build)) return "";
  return build.packaged ? "ChartPackageSucceeded" : "ChartPullSucceeded";
}
