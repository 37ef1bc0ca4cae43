// A HelmRepository of type `default` as a chart downloader: versions from its stored index artifact, the
// package fetched over HTTP(S) with the repository's credentials (Flux's ChartRepository).

import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { fetchIndex, type IndexChartVersion, type IndexFetchOptions, type IndexFile } from "../helm/index.js";
import { MAX_CHART_SIZE } from "./chart-metadata.js";
import type { ChartDownloader, RemoteChartVersion } from "./remote-builder.js";
import { selectIndexVersion } from "./version-select.js";

/** A chart version of an index, with the URLs to download it from. */
export interface IndexedChartVersion extends RemoteChartVersion {
  urls: string[];
}

/** Resolves a chart URL of an index against the repository URL as Helm's ResolveReferenceURL does. */
export function resolveChartUrl(repositoryUrl: string, ref: string): URL {
  const base = new URL(repositoryUrl);
  if (!base.pathname.endsWith("/")) base.pathname = `${base.pathname}/`;
  return new URL(ref, base);
}

/** A chart downloader over a parsed index and the repository's HTTP client settings. */
export class IndexChartDownloader implements ChartDownloader<IndexedChartVersion> {
  constructor(
    private readonly repositoryUrl: string,
    private readonly index: IndexFile,
    private readonly fetchOptions: IndexFetchOptions,
  ) {}

  /** See {@link selectIndexVersion}. */
  async getChartVersion(name: string, version: string | undefined): Promise<IndexedChartVersion> {
    const cv: IndexChartVersion = selectIndexVersion(this.index.entries, name, version);
    return { name: cv.name ?? name, version: cv.version ?? "", urls: cv.urls ?? [] };
  }

  /** GETs the version's first URL (credentials only to the repository host unless passCredentials). */
  async downloadChart(cv: IndexedChartVersion, dir: string): Promise<string> {
    const ref = cv.urls[0];
    if (ref === undefined) throw new Error(`chart '${cv.name}' has no downloadable URLs`);
    const url = resolveChartUrl(this.repositoryUrl, ref);
    const data = await fetchIndex(url, { ...this.fetchOptions, maxSize: MAX_CHART_SIZE });
    const file = join(dir, `${cv.name}-${cv.version}.tgz`);
    await writeFile(file, data, { mode: 0o600 });
    return file;
  }
}
