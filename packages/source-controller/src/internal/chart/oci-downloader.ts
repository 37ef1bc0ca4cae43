// A HelmRepository of type `oci` as a chart downloader (Flux's OCIChartRepository): a concrete version is
// used as the tag directly; a range is matched against the repository's SemVer tags (`_` read as `+`, as
// Helm pushes build metadata); the chart layer of `<url>/<chart>:<tag>` is downloaded with digest checks.

import { createWriteStream } from "node:fs";
import { join } from "node:path";
import { pipeline } from "node:stream/promises";
import { HELM_CHART_CONTENT, type OciClient, parseOciUrl } from "@sluice/oci";
import semver from "semver";
import { MAX_CHART_SIZE } from "./chart-metadata.js";
import type { ChartDownloader, RemoteChartVersion } from "./remote-builder.js";
import { parseLooseVersion, parseVersionConstraint } from "./version-select.js";

/** The chart layer media type of charts pushed by Helm before 3.8 (still accepted by Helm). */
const LEGACY_CHART_CONTENT = "application/tar+gzip";

/** A chart version in a registry: `<url>/<chart>:<tag>`. */
export interface OciChartVersion extends RemoteChartVersion {
  /** `oci://<registry>/<repository>/<chart>:<tag>`. */
  url: string;
  /** Repository path of the chart in the registry. */
  repository: string;
  /** The tag (`+` written as `_`). */
  tag: string;
}

/**
 * The tag that `version` selects among `tags` (Flux's getLastMatchingVersionOrConstraint): an exact tag
 * first, otherwise the highest SemVer tag matching the constraint (`*`/empty: latest stable). Throws
 * `could not locate a version matching provided version string <v>`.
 */
export function selectTag(tags: readonly string[], version: string | undefined): string {
  const wanted = version ?? "";
  if (wanted !== "" && tags.includes(wanted)) return wanted;
  const constraint = parseVersionConstraint(wanted === "" ? "*" : wanted);
  let best: { tag: string; v: semver.SemVer } | undefined;
  for (const tag of tags) {
    const v = parseLooseVersion(tag);
    if (!v || !constraint.test(v)) continue;
    if (!best || semver.compare(v, best.v) > 0) best = { tag, v };
  }
  if (!best) throw new Error(`could not locate a version matching provided version string ${wanted}`);
  return best.tag;
}

/** Charts of an OCI HelmRepository, read with the OCI Distribution client. */
export class OciChartDownloader implements ChartDownloader<OciChartVersion> {
  /**
   * @param url the HelmRepository URL (`oci://host[:port]/path`, no trailing slash)
   * @param client a client for the URL's registry, with the repository's credentials and TLS settings
   */
  constructor(
    private readonly url: string,
    private readonly client: OciClient,
  ) {}

  /** The version `version` selects; a concrete version needs no tag listing. */
  async getChartVersion(name: string, version: string | undefined): Promise<OciChartVersion> {
    const chartUrl = `${this.url.replace(/\/+$/, "")}/${name}`;
    const { repository } = parseOciUrl(chartUrl);
    const at = (tagVersion: string): OciChartVersion => ({
      name,
      version: tagVersion,
      url: `${chartUrl}:${tagVersion}`,
      repository,
      tag: tagVersion.replaceAll("+", "_"),
    });
    if (version && parseLooseVersion(version)) return at(version);
    let tags: string[];
    try {
      tags = (await this.client.listTags(repository))
        .map((t) => t.replaceAll("_", "+"))
        .filter((t) => parseLooseVersion(t) !== undefined);
    } catch (err: unknown) {
      throw new Error(
        `could not get tags for "${name}": could not fetch tags for "${chartUrl}": ${err instanceof Error ? err.message : String(err)}`,
        { cause: err },
      );
    }
    if (tags.length === 0) throw new Error(`unable to locate any tags in provided repository: ${name}`);
    return at(selectTag(tags, version));
  }

  /** Downloads the chart layer of the version's manifest to `dir`. */
  async downloadChart(cv: OciChartVersion, dir: string): Promise<string> {
    try {
      const manifest = await this.client.getImageManifest(cv.repository, cv.tag);
      const layer = manifest.document.layers.find(
        (l) => l.mediaType === HELM_CHART_CONTENT || l.mediaType === LEGACY_CHART_CONTENT,
      );
      if (!layer) throw new Error(`manifest ${manifest.digest} has no Helm chart content layer`);
      const file = join(dir, `${cv.name}-${cv.version}.tgz`);
      const blob = await this.client.fetchBlob(cv.repository, layer, { maxSize: MAX_CHART_SIZE });
      await pipeline(blob, createWriteStream(file, { mode: 0o600 }));
      return file;
    } catch (err: unknown) {
      throw new Error(`failed to get '${cv.url}': ${err instanceof Error ? err.message : String(err)}`, {
        cause: err,
      });
    }
  }
}
