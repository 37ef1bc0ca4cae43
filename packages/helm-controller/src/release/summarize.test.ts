import { createHash } from "node:crypto";
import type { Condition } from "@sluice/api";
import { describe, expect, it } from "vitest";
import { helmRelease } from "../../test/support/releases.js";
import { commonMetadataDigest, postRenderersDigest, summarize } from "./summarize.js";

const cond = (type: string, status: Condition["status"], reason: string, observedGeneration = 1): Condition => ({
  type,
  status,
  reason,
  message: `${type} ${reason}`,
  lastTransitionTime: "2025-01-01T00:00:00Z",
  observedGeneration,
});
const sha256 = (text: string) => `sha256:${createHash("sha256").update(text).digest("hex")}`;

describe("summarize", () => {
  it.each([
    {
      name: "Released decides without tests",
      spec: {},
      conditions: [cond("Released", "False", "UpgradeFailed")],
      ready: ["False", "UpgradeFailed", "Released UpgradeFailed"],
    },
    {
      name: "Remediated comes first and makes Ready False even when True",
      spec: {},
      conditions: [cond("Released", "False", "UpgradeFailed"), cond("Remediated", "True", "RollbackSucceeded")],
      ready: ["False", "RollbackSucceeded", "Remediated RollbackSucceeded"],
    },
    {
      name: "TestSuccess comes before Released with tests enabled",
      spec: { test: { enable: true } },
      conditions: [cond("Released", "True", "UpgradeSucceeded"), cond("TestSuccess", "False", "TestFailed")],
      ready: ["False", "TestFailed", "TestSuccess TestFailed"],
    },
    {
      name: "TestSuccess does not count when failures are ignored",
      spec: { test: { enable: true, ignoreFailures: true } },
      conditions: [cond("Released", "True", "UpgradeSucceeded"), cond("TestSuccess", "False", "TestFailed")],
      ready: ["True", "UpgradeSucceeded", "Released UpgradeSucceeded"],
    },
    {
      name: "a Remediated of an older generation does not move ahead of a current Released",
      spec: {},
      conditions: [cond("Released", "True", "InstallSucceeded", 2), cond("Remediated", "True", "RollbackSucceeded", 1)],
      generation: 2,
      ready: ["True", "InstallSucceeded", "Released InstallSucceeded"],
    },
  ])("$name", ({ spec, conditions, generation, ready }) => {
    const obj = helmRelease(spec, { conditions });
    if (generation) obj.metadata.generation = generation;
    summarize(obj);
    const got = obj.status?.conditions?.find((c) => c.type === "Ready");
    expect([got?.status, got?.reason, got?.message]).toEqual(ready);
  });

  it("drops TestSuccess with tests disabled and Stalled once Ready is True", () => {
    const obj = helmRelease(
      {},
      {
        conditions: [
          cond("Released", "True", "InstallSucceeded"),
          cond("TestSuccess", "True", "TestSucceeded"),
          cond("Stalled", "True", "RetriesExceeded"),
        ],
      },
    );
    summarize(obj);
    expect(obj.status?.conditions?.map((c) => c.type).sort()).toEqual(["Ready", "Released"]);
  });

  it("records the post-renderer and common-metadata digests as Go's encoder writes them", () => {
    const postRenderers = [
      {
        kustomize: {
          patches: [{ patch: "a: <b>", target: { kind: "Deployment", name: "web" } }],
          images: [{ name: "nginx", newTag: "1" }],
        },
      },
    ];
    const commonMetadata = { labels: { z: "1", a: "2" } };
    const obj = helmRelease({ postRenderers, commonMetadata }, {});
    summarize(obj);
    expect(obj.status?.observedPostRenderersDigest).toBe(
      sha256(
        '[{"kustomize":{"patches":[{"patch":"a: \\u003cb\\u003e","target":{"kind":"Deployment","name":"web"}}],"images":[{"name":"nginx","newTag":"1"}]}}]\n',
      ),
    );
    expect(obj.status?.observedCommonMetadataDigest).toBe(sha256('{"labels":{"a":"2","z":"1"}}\n'));
    expect(postRenderersDigest(postRenderers)).toBe(obj.status?.observedPostRenderersDigest);
    expect(commonMetadataDigest(commonMetadata)).toBe(obj.status?.observedCommonMetadataDigest);
    delete obj.spec.postRenderers;
    summarize(obj);
    expect(obj.status?.observedPostRenderersDigest).toBeUndefined();
  });
});
