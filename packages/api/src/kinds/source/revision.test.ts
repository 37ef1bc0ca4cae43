import { describe, expect, it } from "vitest";
import {
  formatDigest,
  formatGitAbsoluteRevision,
  formatGitRevision,
  formatOciRevision,
  gitHashAlgorithm,
  gitRepositoryRevision,
  helmChartRevision,
  helmChartVersionMetadata,
  InvalidRevisionError,
  isDigest,
  normalizeGitRevision,
  parseChartVersion,
  parseDigest,
  parseGitRevision,
  parseOciRevision,
  setChartVersionMetadata,
  shortGitReference,
} from "./revision.js";

const SHA1 = "363a6a8fe6a7f13e05d34c163b0ef02a777da20a";
const SHA256 = "9f3bc0f341d4ecf2bab460cc59320a2a9ea292f01d7b96e32740a9abfd341088";

describe("digests", () => {
  it("formats and parses <algorithm>:<encoded>", () => {
    expect(formatDigest("sha256", SHA256)).toBe(`sha256:${SHA256}`);
    expect(parseDigest(`sha256:${SHA256}`)).toEqual({ algorithm: "sha256", encoded: SHA256 });
    expect(parseDigest("blake3:abc")).toEqual({ algorithm: "blake3", encoded: "abc" });
  });

  it.each(["", SHA256, "sha256:", ":abc", "SHA256:abc", "sha256:ab/c"])("rejects %j", (value) => {
    expect(isDigest(value)).toBe(false);
    expect(() => parseDigest(value)).toThrow(InvalidRevisionError);
  });
});

describe("Git revisions", () => {
  it("names the hash algorithm by length", () => {
    expect(gitHashAlgorithm(SHA1)).toBe("sha1");
    expect(gitHashAlgorithm(SHA256)).toBe("sha256");
    expect(gitHashAlgorithm("abc")).toBe("<unknown>");
  });

  it.each([
    ["refs/heads/main", "main"],
    ["refs/heads/feature/x", "feature/x"],
    ["refs/tags/v1.0.0", "v1.0.0"],
    ["refs/pull/420/head", "420/head"],
    ["main", undefined],
    ["heads/main", undefined],
  ])("shortens %s to %s", (reference, short) => {
    expect(shortGitReference(reference)).toBe(short);
  });

  it.each([
    ["refs/heads/master", `master@sha1:${SHA1}`],
    ["refs/heads/feature/x", `feature/x@sha1:${SHA1}`],
    ["refs/tags/6.1.0", `6.1.0@sha1:${SHA1}`],
    [undefined, `sha1:${SHA1}`],
    ["HEAD", `sha1:${SHA1}`],
  ])("formats the revision of a commit on %s", (reference, revision) => {
    expect(formatGitRevision(reference, SHA1)).toBe(revision);
  });

  it("keeps the full reference for spec.ref.name", () => {
    expect(formatGitAbsoluteRevision("refs/pull/420/head", SHA1)).toBe(`refs/pull/420/head@sha1:${SHA1}`);
    expect(formatGitAbsoluteRevision(undefined, SHA1)).toBe(`sha1:${SHA1}`);
    expect(gitRepositoryRevision({ name: "refs/pull/420/head" }, "refs/pull/420/head", SHA1)).toBe(
      `refs/pull/420/head@sha1:${SHA1}`,
    );
    expect(gitRepositoryRevision({ name: "" }, "refs/heads/main", SHA1)).toBe(`main@sha1:${SHA1}`);
    expect(gitRepositoryRevision(undefined, "refs/heads/main", SHA1)).toBe(`main@sha1:${SHA1}`);
  });

  it.each([
    [`main@sha1:${SHA1}`, { pointer: "main", hash: SHA1, algorithm: "sha1" }],
    [`feature/branch@sha1:${SHA1}`, { pointer: "feature/branch", hash: SHA1, algorithm: "sha1" }],
    [`refs/pull/1/head@sha1:${SHA1}`, { pointer: "refs/pull/1/head", hash: SHA1, algorithm: "sha1" }],
    [`sha1:${SHA1}`, { pointer: undefined, hash: SHA1, algorithm: "sha1" }],
    [`main/${SHA1}`, { pointer: "main", hash: SHA1, algorithm: undefined }],
    [`feature/branch/${SHA1}`, { pointer: "feature/branch", hash: SHA1, algorithm: undefined }],
    [`HEAD/${SHA1}`, { pointer: undefined, hash: SHA1, algorithm: undefined }],
    [SHA1, { pointer: undefined, hash: SHA1, algorithm: undefined }],
  ])("parses %s", (revision, parsed) => {
    expect(parseGitRevision(revision)).toEqual(parsed);
  });

  it("rejects an empty revision", () => {
    expect(() => parseGitRevision("")).toThrow(/invalid revision ""/);
  });

  it.each([
    [`main/${SHA1}`, `main@sha1:${SHA1}`],
    [`feature/branch/${SHA1}`, `feature/branch@sha1:${SHA1}`],
    [`HEAD/${SHA1}`, `sha1:${SHA1}`],
    [SHA1, `sha1:${SHA1}`],
    [`main@sha1:${SHA1}`, `main@sha1:${SHA1}`],
    ["", ""],
  ])("normalizes legacy revision %j", (legacy, current) => {
    expect(normalizeGitRevision(legacy)).toBe(current);
  });

  it("round-trips format and parse", () => {
    const revision = formatGitRevision("refs/heads/release/1.x", SHA1);
    expect(parseGitRevision(revision)).toEqual({ pointer: "release/1.x", hash: SHA1, algorithm: "sha1" });
  });
});

describe("OCI revisions", () => {
  it("formats <tag>@<digest>, or the digest alone when pulled by digest", () => {
    expect(formatOciRevision("6.1.8", `sha256:${SHA256}`)).toBe(`6.1.8@sha256:${SHA256}`);
    expect(formatOciRevision(undefined, `sha256:${SHA256}`)).toBe(`sha256:${SHA256}`);
  });

  it.each([
    [`latest@sha256:${SHA256}`, { tag: "latest", digest: `sha256:${SHA256}` }],
    [`6.1.8-rc.1@sha256:${SHA256}`, { tag: "6.1.8-rc.1", digest: `sha256:${SHA256}` }],
    [`sha256:${SHA256}`, { tag: undefined, digest: `sha256:${SHA256}` }],
  ])("parses %s", (revision, parsed) => {
    expect(parseOciRevision(revision)).toEqual(parsed);
  });

  it.each(["latest", "latest@", `latest@${SHA256}`])("rejects %j", (revision) => {
    expect(() => parseOciRevision(revision)).toThrow(InvalidRevisionError);
  });
});

describe("HelmChart revisions", () => {
  it.each([
    ["6.0.3", { version: "6.0.3", metadata: undefined }],
    ["v1.2", { version: "1.2.0", metadata: undefined }],
    ["1", { version: "1.0.0", metadata: undefined }],
    ["6.0.3-rc.1+4e5cbb7b97d0.2", { version: "6.0.3-rc.1", metadata: "4e5cbb7b97d0.2" }],
    ["6.0.3+1", { version: "6.0.3", metadata: "1" }],
  ])("parses chart version %s", (value, parsed) => {
    expect(parseChartVersion(value)).toEqual(parsed);
  });

  it.each(["", "latest", "1.2.3.4", "01.2.3", "1.2.3+"])("rejects chart version %j", (value) => {
    expect(() => parseChartVersion(value)).toThrow(InvalidRevisionError);
  });

  it("replaces existing build metadata and normalises the version", () => {
    expect(setChartVersionMetadata("6.0.3", "1")).toBe("6.0.3+1");
    expect(setChartVersionMetadata("6.0.3+old", "2")).toBe("6.0.3+2");
    expect(setChartVersionMetadata("v6.0", "abc")).toBe("6.0.0+abc");
    expect(() => setChartVersionMetadata("6.0.3", "a_b")).toThrow(InvalidRevisionError);
  });

  const fromRepo = { sourceKind: "HelmRepository", hasValuesFiles: false, generation: 3 } as const;

  it("is the chart version for a plain chart", () => {
    expect(helmChartRevision("6.0.3", fromRepo)).toBe("6.0.3");
    expect(helmChartRevision("v6.0.3", { ...fromRepo, reconcileStrategy: "Revision" })).toBe("v6.0.3");
  });

  it("appends the generation when values files are set", () => {
    expect(helmChartRevision("6.0.3", { ...fromRepo, hasValuesFiles: true, generation: 1 })).toBe("6.0.3+1");
  });

  it("appends 12 characters of the Git commit for the Revision strategy", () => {
    const input = {
      sourceKind: "GitRepository",
      reconcileStrategy: "Revision",
      sourceRevision: `main@sha1:4e5cbb7b97d00a1d2b4c09e3e4a2a3b0e1f2a3b4`,
      hasValuesFiles: false,
      generation: 1,
    } as const;
    expect(helmChartRevision("6.0.3", input)).toBe("6.0.3+4e5cbb7b97d0");
    expect(helmChartRevision("6.0.3", { ...input, hasValuesFiles: true, generation: 2 })).toBe("6.0.3+4e5cbb7b97d0.2");
    expect(helmChartRevision("6.0.3", { ...input, reconcileStrategy: "ChartVersion" })).toBe("6.0.3");
  });

  it("appends 12 characters of the Bucket digest for the Revision strategy", () => {
    const input = {
      sourceKind: "Bucket",
      reconcileStrategy: "Revision",
      sourceRevision: `sha256:${SHA256}`,
      hasValuesFiles: false,
      generation: 1,
    } as const;
    expect(helmChartVersionMetadata(input)).toBe(SHA256.slice(0, 12));
    expect(helmChartRevision("1.0.0", input)).toBe(`1.0.0+${SHA256.slice(0, 12)}`);
  });

  it("refuses a source revision too short to shorten", () => {
    const input = {
      sourceKind: "GitRepository",
      reconcileStrategy: "Revision",
      sourceRevision: "main@sha1:abc",
      hasValuesFiles: false,
      generation: 1,
    } as const;
    expect(() => helmChartVersionMetadata(input)).toThrow(/at least 12 characters/);
  });
});
