// Flux's revision and digest string formats, as the source-controller writes them into
// `status.artifact.revision` and consumers (kustomize, helm, notification controllers) read them back.

import { HelmChartSourceKind, type HelmChartSourceKindName, ReconcileStrategy } from "./constants.js";

/** Error thrown when a revision, digest or chart version is not in the expected format. */
export class InvalidRevisionError extends Error {
  constructor(
    readonly value: string,
    readonly expected: string,
  ) {
    super(`invalid revision "${value}": expected ${expected}`);
    this.name = "InvalidRevisionError";
  }
}

// ---------------------------------------------------------------------------------------------------------
// Digests: `<algorithm>:<encoded>` (the Artifact digest pattern).

/** The pattern every artifact digest matches (`sha256:<hex>`, `sha1:<hex>`, `blake3:<hex>`, …). */
export const DIGEST_PATTERN = /^[a-z0-9]+(?:[.+_-][a-z0-9]+)*:[a-zA-Z0-9=_-]+$/;

/** A digest split into its algorithm and encoded value. */
export interface Digest {
  algorithm: string;
  encoded: string;
}

/** Formats `<algorithm>:<encoded>`. */
export function formatDigest(algorithm: string, encoded: string): string {
  return `${algorithm}:${encoded}`;
}

/** Parses `<algorithm>:<encoded>`; throws {@link InvalidRevisionError} on anything else. */
export function parseDigest(digest: string): Digest {
  if (!DIGEST_PATTERN.test(digest)) throw new InvalidRevisionError(digest, "a digest '<algorithm>:<encoded>'");
  const i = digest.indexOf(":");
  return { algorithm: digest.slice(0, i), encoded: digest.slice(i + 1) };
}

/** Whether `value` is a digest `<algorithm>:<encoded>`. */
export function isDigest(value: string): boolean {
  return DIGEST_PATTERN.test(value);
}

// ---------------------------------------------------------------------------------------------------------
// Git: `<short ref>@sha1:<hash>`, `refs/…@sha1:<hash>` (spec.ref.name), or `sha1:<hash>`.

/** The algorithm name of a Git commit hash by its length: `sha1` (40 hex), `sha256` (64 hex), else `<unknown>`. */
export function gitHashAlgorithm(hash: string): string {
  if (hash.length === 40) return "sha1";
  if (hash.length === 64) return "sha256";
  return "<unknown>";
}

/** `<algorithm>:<hash>` for a Git commit hash (`sha1:363a…`); empty for an empty hash. */
export function gitHashDigest(hash: string): string {
  return hash === "" ? "" : formatDigest(gitHashAlgorithm(hash), hash);
}

/**
 * Shortens a full Git reference to what Flux shows in revisions: everything after the second `/`
 * (`refs/heads/main` → `main`, `refs/heads/feature/x` → `feature/x`, `refs/tags/v1` → `v1`). References with
 * fewer than two `/` have no short form (undefined).
 */
export function shortGitReference(reference: string): string | undefined {
  const first = reference.indexOf("/");
  if (first === -1) return undefined;
  const second = reference.indexOf("/", first + 1);
  if (second === -1) return undefined;
  return reference.slice(second + 1);
}

/**
 * The revision of a checked out commit: `<short ref>@<algo>:<hash>` (e.g. `main@sha1:363a…`), or the bare
 * `<algo>:<hash>` when the reference has no short form (a commit checked out without branch).
 */
export function formatGitRevision(reference: string | undefined, hash: string): string {
  const short = reference ? shortGitReference(reference) : undefined;
  return short === undefined ? gitHashDigest(hash) : `${short}@${gitHashDigest(hash)}`;
}

/** The revision with the full reference kept: `refs/pull/1/head@sha1:…`, or `sha1:…` without reference. */
export function formatGitAbsoluteRevision(reference: string | undefined, hash: string): string {
  return reference ? `${reference}@${gitHashDigest(hash)}` : gitHashDigest(hash);
}

/**
 * The artifact revision a GitRepository gets for a commit: with `spec.ref.name` the full reference is
 * kept, otherwise it is shortened (see {@link formatGitRevision}).
 */
export function gitRepositoryRevision(
  specRef: { name?: string | undefined } | undefined,
  reference: string | undefined,
  hash: string,
): string {
  return specRef?.name ? formatGitAbsoluteRevision(reference, hash) : formatGitRevision(reference, hash);
}

/** A Git revision split into its named pointer (branch, tag or ref; may be absent) and commit hash. */
export interface GitRevision {
  /** Branch, tag or reference name; undefined for a bare commit revision. */
  pointer: string | undefined;
  /** The commit hash (hex), without algorithm. */
  hash: string;
  /** The hash algorithm when the revision names one (`sha1`), else undefined (legacy formats). */
  algorithm: string | undefined;
}

/**
 * Splits a Git revision into pointer and hash. Accepts the current formats (`main@sha1:<hash>`,
 * `feature/x@sha1:<hash>`, `sha1:<hash>`) and Flux's legacy ones (`main/<hash>`, `HEAD/<hash>`, `<hash>`).
 */
export function parseGitRevision(revision: string): GitRevision {
  if (revision === "") throw new InvalidRevisionError(revision, "a Git revision such as 'main@sha1:<hash>'");
  let pointer: string | undefined;
  const at = revision.lastIndexOf("@");
  if (at !== -1) {
    pointer = revision.slice(0, at);
  } else {
    const slash = revision.lastIndexOf("/");
    if (slash !== -1 && revision.slice(0, slash) !== "HEAD") pointer = revision.slice(0, slash);
  }
  const colon = revision.lastIndexOf(":");
  if (colon !== -1) {
    const digestStart = at === -1 ? 0 : at + 1;
    return {
      pointer,
      hash: revision.slice(colon + 1),
      algorithm: colon > digestStart ? revision.slice(digestStart, colon) : undefined,
    };
  }
  const parts = revision.split("/");
  return { pointer, hash: parts[parts.length - 1] ?? revision, algorithm: undefined };
}

/** Rewrites a legacy Git revision (`main/<hash>`, `<hash>`) to the current format; current ones pass through. */
export function normalizeGitRevision(revision: string): string {
  if (revision === "" || revision.includes(":")) return revision;
  const { pointer, hash } = parseGitRevision(revision);
  return pointer ? `${pointer}@${gitHashDigest(hash)}` : gitHashDigest(hash);
}

// ---------------------------------------------------------------------------------------------------------
// OCI: `<tag>@sha256:<digest>`, or `sha256:<digest>` when pulled by digest.

/** An OCIRepository revision split into tag (absent when pulled by digest) and manifest digest. */
export interface OciRevision {
  tag: string | undefined;
  digest: string;
}

/** Formats an OCIRepository revision: `<tag>@<digest>`, or the digest alone when pulled by digest. */
export function formatOciRevision(tag: string | undefined, digest: string): string {
  return tag ? `${tag}@${digest}` : digest;
}

/** Splits an OCIRepository revision (`6.1.8@sha256:…` or `sha256:…`); throws unless it ends in a digest. */
export function parseOciRevision(revision: string): OciRevision {
  const at = revision.lastIndexOf("@");
  const digest = at === -1 ? revision : revision.slice(at + 1);
  if (!isDigest(digest)) throw new InvalidRevisionError(revision, "'<tag>@<algorithm>:<digest>' or a digest");
  return { tag: at === -1 ? undefined : revision.slice(0, at), digest };
}

// ---------------------------------------------------------------------------------------------------------
// HelmChart: the chart version, with SemVer build metadata `+<12 chars of source revision>` (Revision
// strategy on a Git/Bucket source) and/or `+<generation>` (values files), joined by a dot.

const LOOSE_SEMVER =
  /^v?(0|[1-9]\d*)(?:\.(0|[1-9]\d*))?(?:\.(0|[1-9]\d*))?(?:-((?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*)(?:\.(?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*))*))?(?:\+([0-9a-zA-Z-]+(?:\.[0-9a-zA-Z-]+)*))?$/;
const METADATA = /^[0-9A-Za-z.-]*$/;

/** A chart version split as SemVer: `major.minor.patch[-prerelease]` and its build metadata. */
export interface ChartVersion {
  /** `major.minor.patch[-prerelease]`, normalised (`v1.2` → `1.2.0`). */
  version: string;
  /** The build metadata after `+`, undefined when absent. */
  metadata: string | undefined;
}

/** Parses a (loose) SemVer chart version or HelmChart revision; throws {@link InvalidRevisionError}. */
export function parseChartVersion(value: string): ChartVersion {
  const m = LOOSE_SEMVER.exec(value);
  if (!m) throw new InvalidRevisionError(value, "a SemVer chart version");
  const core = `${m[1]}.${m[2] ?? "0"}.${m[3] ?? "0"}`;
  return { version: m[4] ? `${core}-${m[4]}` : core, metadata: m[5] };
}

/**
 * Sets (replaces) the build metadata of a chart version, as the source-controller does when packaging:
 * `setChartVersionMetadata("6.0.3", "1")` → `6.0.3+1`. An empty metadata leaves the normalised version.
 */
export function setChartVersionMetadata(version: string, metadata: string): string {
  if (!METADATA.test(metadata)) throw new InvalidRevisionError(metadata, "SemVer build metadata [0-9A-Za-z.-]");
  const parsed = parseChartVersion(version);
  return metadata === "" ? parsed.version : `${parsed.version}+${metadata}`;
}

/** What decides a HelmChart's build metadata. */
export interface HelmChartRevisionInput {
  /** `spec.reconcileStrategy` (ChartVersion when unset). */
  reconcileStrategy?: string | undefined;
  /** `spec.sourceRef.kind`. */
  sourceKind: HelmChartSourceKindName;
  /** The source artifact's revision (`main@sha1:<hash>`, `sha256:<hex>`); needed for the Revision strategy. */
  sourceRevision?: string | undefined;
  /** Whether `spec.valuesFiles` is non-empty. */
  hasValuesFiles: boolean;
  /** `metadata.generation` of the HelmChart. */
  generation: number;
}

/**
 * The build metadata the source-controller gives a packaged chart: for the Revision strategy on a Git or
 * Bucket source the first 12 characters of the source's commit hash / digest; with values files the
 * object's generation appended (after a `.`). Empty when neither applies.
 */
export function helmChartVersionMetadata(input: HelmChartRevisionInput): string {
  let metadata = "";
  const fromArtifact =
    input.sourceKind === HelmChartSourceKind.GitRepository || input.sourceKind === HelmChartSourceKind.Bucket;
  if (fromArtifact && input.reconcileStrategy === ReconcileStrategy.Revision) {
    const revision = input.sourceRevision ?? "";
    let rev = revision;
    if (input.sourceKind === HelmChartSourceKind.GitRepository) rev = parseGitRevision(revision).hash;
    else if (isDigest(revision)) rev = parseDigest(revision).encoded;
    if (rev.length < 12) {
      throw new InvalidRevisionError(revision, "a source revision with at least 12 characters of hash or digest");
    }
    metadata = rev.slice(0, 12);
  }
  if (input.hasValuesFiles) metadata = metadata === "" ? String(input.generation) : `${metadata}.${input.generation}`;
  return metadata;
}

/**
 * The artifact revision of a HelmChart: the chart version (`6.0.3`), `6.0.3+<generation>` with values files,
 * `6.0.3+<12 chars of source revision>` for the Revision strategy, or both (`6.0.3+4e5cbb7b97d0.2`).
 */
export function helmChartRevision(chartVersion: string, input: HelmChartRevisionInput): string {
  const metadata = helmChartVersionMetadata(input);
  return metadata === "" ? chartVersion : setChartVersionMetadata(chartVersion, metadata);
}
