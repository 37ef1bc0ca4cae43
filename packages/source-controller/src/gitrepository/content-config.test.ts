import type { Artifact, GitRepository } from "@sluice/api";
import { describe, expect, it } from "vitest";
import {
  contentConfigChanged,
  includedArtifactsDiffer,
  requiresVerification,
  verificationMode,
} from "./content-config.js";

const artifact = (revision: string, digest = `sha256:${"a".repeat(64)}`): Artifact => ({
  path: "gitrepository/ns/x/y.tar.gz",
  url: "http://h/gitrepository/ns/x/y.tar.gz",
  revision,
  digest,
  lastUpdateTime: "2024-01-01T00:00:00Z",
});

function repo(spec: Partial<GitRepository["spec"]>, status: GitRepository["status"] = {}): GitRepository {
  return {
    apiVersion: "source.toolkit.fluxcd.io/v1",
    kind: "GitRepository",
    metadata: { name: "x", namespace: "ns", generation: 1 },
    spec: { url: "https://example.com/x.git", interval: "1m", ...spec },
    status,
  };
}

const verified = {
  type: "SourceVerified",
  status: "True" as const,
  reason: "Succeeded",
  message: "ok",
  lastTransitionTime: "2024-01-01T00:00:00Z",
};

describe("contentConfigChanged", () => {
  it.each<[string, GitRepository, Artifact[], boolean]>([
    ["nothing configured", repo({}), [], false],
    ["ignore added", repo({ ignore: "*.md" }), [], true],
    ["ignore as observed", repo({ ignore: "*.md" }, { observedIgnore: "*.md" }), [], false],
    ["ignore removed", repo({}, { observedIgnore: "*.md" }), [], true],
    ["submodules turned on", repo({ recurseSubmodules: true }), [], true],
    ["submodules as observed", repo({ recurseSubmodules: true }, { observedRecurseSubmodules: true }), [], false],
    ["sparse checkout changed", repo({ sparseCheckout: ["a"] }, { observedSparseCheckout: ["b"] }), [], true],
    ["sparse checkout as observed", repo({ sparseCheckout: ["a"] }, { observedSparseCheckout: ["a"] }), [], false],
    ["verification not done yet", repo({ verify: { mode: "HEAD", secretRef: { name: "k" } } }), [], true],
    [
      "verification done for the same mode",
      repo(
        { verify: { mode: "HEAD", secretRef: { name: "k" } } },
        { conditions: [verified], sourceVerificationMode: "HEAD" },
      ),
      [],
      false,
    ],
    [
      "verification mode changed",
      repo(
        { verify: { mode: "TagAndHEAD", secretRef: { name: "k" } } },
        { conditions: [verified], sourceVerificationMode: "HEAD" },
      ),
      [],
      true,
    ],
    ["include added", repo({ include: [{ repository: { name: "other" } }] }), [artifact("main@sha1:1")], true],
    [
      "include as observed with the same artifact",
      repo(
        { include: [{ repository: { name: "other" } }] },
        { observedInclude: [{ repository: { name: "other" } }], includedArtifacts: [artifact("main@sha1:1")] },
      ),
      [artifact("main@sha1:1")],
      false,
    ],
    [
      "included artifact has a new revision",
      repo(
        { include: [{ repository: { name: "other" } }] },
        { observedInclude: [{ repository: { name: "other" } }], includedArtifacts: [artifact("main@sha1:1")] },
      ),
      [artifact("main@sha1:2", `sha256:${"b".repeat(64)}`)],
      true,
    ],
    [
      "include toPath defaulting to the name equals an explicit toPath of the name",
      repo(
        { include: [{ repository: { name: "other" }, toPath: "other" }] },
        { observedInclude: [{ repository: { name: "other" } }], includedArtifacts: [artifact("main@sha1:1")] },
      ),
      [artifact("main@sha1:1")],
      false,
    ],
  ])("%s", (_name, obj, includes, changed) => {
    expect(contentConfigChanged(obj, includes)).toBe(changed);
  });
});

describe("verification helpers", () => {
  it("treats the legacy 'head' mode as HEAD and no verify as none", () => {
    expect(verificationMode(repo({ verify: { mode: "head", secretRef: { name: "k" } } }))).toBe("HEAD");
    expect(verificationMode(repo({ verify: { secretRef: { name: "k" } } }))).toBe("HEAD");
    expect(verificationMode(repo({}))).toBeUndefined();
    expect(requiresVerification(repo({}))).toBe(false);
  });

  it("compares included artifacts by revision and digest, in order", () => {
    expect(includedArtifactsDiffer([], undefined)).toBe(false);
    expect(includedArtifactsDiffer([artifact("a")], undefined)).toBe(true);
    expect(includedArtifactsDiffer([artifact("a")], [artifact("a")])).toBe(false);
    expect(includedArtifactsDiffer([artifact("a"), artifact("b")], [artifact("b"), artifact("a")])).toBe(true);
  });
});
