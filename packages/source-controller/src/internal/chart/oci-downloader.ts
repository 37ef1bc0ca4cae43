// A HelmRepository of type `oci` as a chart downloader: `helm pull oci://<url>/<chart>` resolves the tag
// (version constraint) and downloads the chart, with credentials and TLS material in private files.

import { loadChartMetadataFromArchive } from "./chart-metadata.js";
import { type HelmHome, type HelmTlsFiles, helmPullOci } from "./helm-cli.js";
import type { ChartDownloader, RemoteChartVersion } from "./remote-builder.js";

/** A pulled OCI chart: its metadata and where the package already is. */
export interface PulledChartVersion extends RemoteChartVersion {
  file: string;
}

/** Settings of an OCI chart repository. */
export interface OciChartRepositoryOptions extends HelmTlsFiles {
  /** `oci://host[:port]/path` (the HelmRepository URL, no trailing slash). */
  url: string;
  /** Plain HTTP (`spec.insecure`). */
  plainHttp: boolean;
  home: HelmHome;
  signal?: AbortSignal | undefined;
}

/**
 * Pulls at version resolution time (helm resolves the constraint against the registry's tags), so
 * {@link downloadChart} only hands over the file.
 */
export class OciChartDownloader implements ChartDownloader<PulledChartVersion> {
  constructor(private readonly options: OciChartRepositoryOptions) {}

  /** `helm pull` of `<url>/<name>` at `version`; name and version are read from the pulled package. */
  async getChartVersion(name: string, version: string | undefined): Promise<PulledChartVersion> {
    const ref = `${this.options.url.replace(/\/+$/, "")}/${name}`;
    const file = await helmPullOci(this.options.home, ref, {
      version,
      plainHttp: this.options.plainHttp,
      caFile: this.options.caFile,
      certFile: this.options.certFile,
      keyFile: this.options.keyFile,
      signal: this.options.signal,
    });
    const meta = await loadChartMetadataFromArchive(file);
    return { name: meta.name, version: meta.version, file };
  }

  /** The package pulled by {@link getChartVersion}. */
  async downloadChart(cv: PulledChartVersion): Promise<string> {
    return cv.file;
  }
}
