import { describe, expect, it } from "vitest";
import { chartVersionWithDigest } from "./chart-source.js";

const digest = "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

describe("chartVersionWithDigest", () => {
  it.each([
    ["an OCIRepository tag@digest", "OCIRepository", "1.0.0", `1.0.0@${digest}`, "1.0.0+0123456789ab", digest],
    ["an OCIRepository digest", "OCIRepository", "1.0.0", digest, "1.0.0+0123456789ab", digest],
    ["a tag with OCI's _ for +", "OCIRepository", "1.0.0+build", `1.0.0_build@${digest}`, "1.0.0+0123456789ab", digest],
    ["an ExternalArtifact digest", "ExternalArtifact", "2.1.0", digest, "2.1.0+0123456789ab", digest],
    ["an ExternalArtifact version", "ExternalArtifact", "2.1.0", "2.1.0", "2.1.0", ""],
    ["a HelmChart", "HelmChart", "1.0.0", "1.0.0", "1.0.0", ""],
  ])("suffixes the digest for %s", (_name, kind, version, revision, want, ociDigest) => {
    expect(chartVersionWithDigest(kind, version, revision)).toEqual({ version: want, ociDigest });
  });

  it.each([
    [
      "a tag that is not the chart version",
      "1.0.0",
      `1.1.0@${digest}`,
      "artifact revision 1.1.0 does not match chart version 1.0.0",
    ],
    ["a chart version that is not semver", "latest", digest, "invalid chart version latest"],
    ["a revision without a digest", "1.0.0", "1.0.0@sha256", "invalid artifact revision sha256"],
  ])("refuses %s", (_name, version, revision, message) => {
    expect(() => chartVersionWithDigest("OCIRepository", version, revision)).toThrow(message);
  });
});
