import { createReadStream } from "node:fs";
import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { formatDigest, parseDigest } from "./digest.js";
import { type DownloadOptions, downloadArtifact } from "./download.js";
import { DigestMismatchError } from "./errors.js";
import { overrideArtifactHost } from "./host-override.js";
import { type ExtractLimits, extractTarball } from "./safe-untar.js";

/** Settings of an artifact fetch: retries and download cap, extraction caps, host override, temp location. */
export interface FetchArtifactOptions extends DownloadOptions {
  /** Caps on the extracted content. */
  limits?: ExtractLimits;
  /** Replaces the URL's host:port (`SOURCE_CONTROLLER_LOCALHOST`, see `artifactHostFromEnv`). */
  hostOverride?: string | undefined;
  /** Parent of the temporary directories (default: the OS temp dir). */
  tmpDir?: string;
}

/** An artifact downloaded, verified and extracted. */
export interface FetchedArtifact {
  /** Directory holding the extracted content. */
  dir: string;
  /** The verified digest, normalized to `<algo>:<lower-case hex>`. */
  digest: string;
  /** Size of the downloaded archive in bytes. */
  archiveBytes: number;
  /** Total size of the extracted regular files in bytes. */
  extractedBytes: number;
  /** Extracted entries. */
  entries: number;
  /** HTTP attempts it took. */
  attempts: number;
}

/**
 * Downloads the tarball at `url` (with retries), verifies it against `digest` (`sha256|sha384|sha512|blake3:<hex>`)
 * while it streams to a temporary file, then extracts it safely into `into` (created if missing; must be
 * empty) or, when omitted, into a fresh temporary directory the caller owns and must remove.
 * Throws `ArtifactNotFoundError` (404: requeue, the source will publish a new artifact), `DigestMismatchError`,
 * `ArtifactDownloadError`, `UnsafeArchiveError` or `ArchiveLimitError`; nothing is left behind on failure.
 */
export async function fetchArtifact(
  url: string,
  digest: string,
  options: FetchArtifactOptions = {},
  into?: string,
): Promise<FetchedArtifact> {
  const expected = parseDigest(digest);
  const target = overrideArtifactHost(url, options.hostOverride);
  const tmpRoot = options.tmpDir ?? tmpdir();
  const work = await mkdtemp(join(tmpRoot, "sluice-download-"));
  let dir: string | undefined;
  let createdDir = false;
  try {
    const archive = join(work, "artifact.tar.gz");
    const downloaded = await downloadArtifact(target, archive, expected.algorithm, options);
    if (downloaded.digest.hex !== expected.hex) {
      throw new DigestMismatchError(formatDigest(expected), formatDigest(downloaded.digest), target);
    }
    if (into === undefined) {
      dir = await mkdtemp(join(tmpRoot, "sluice-artifact-"));
    } else {
      await mkdir(into, { recursive: true });
      dir = into;
    }
    createdDir = into === undefined;
    const extracted = await extractTarball(createReadStream(archive), dir, options.limits);
    return {
      dir,
      digest: formatDigest(expected),
      archiveBytes: downloaded.bytes,
      extractedBytes: extracted.bytes,
      entries: extracted.entries,
      attempts: downloaded.attempts,
    };
  } catch (err: unknown) {
    if (createdDir && dir !== undefined) await rm(dir, { recursive: true, force: true });
    throw err;
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}
