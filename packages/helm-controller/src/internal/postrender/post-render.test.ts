import { describe, expect, it } from "vitest";
import { postRender } from "./post-render.js";

const config = {
  kubectl: "kubectl",
  kustomize: [],
  commonMetadata: { labels: { team: "a" }, annotations: { note: "x" } },
  ownerLabels: { "helm.toolkit.fluxcd.io/name": "app", "helm.toolkit.fluxcd.io/namespace": "apps" },
};

describe("postRender", () => {
  it("adds commonMetadata and the owner labels to every object, keeping YAML 1.1 strings quoted", async () => {
    const out = await postRender(
      '---\n# Source: c/templates/cm.yaml\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm\n  labels:\n    team: b\ndata:\n  enabled: "on"\n---\n',
      config,
    );
    expect(out).toBe(
      [
        "---",
        "apiVersion: v1",
        "kind: ConfigMap",
        "metadata:",
        "  name: cm",
        "  labels:",
        "    team: a",
        "    helm.toolkit.fluxcd.io/name: app",
        "    helm.toolkit.fluxcd.io/namespace: apps",
        "  annotations:",
        "    note: x",
        "data:",
        '  enabled: "on"',
        "",
      ].join("\n"),
    );
  });

  it("rejects invalid YAML with the parser's reason", async () => {
    await expect(postRender("a: [\n", config)).rejects.toThrow(/invalid rendered YAML/);
  });
});
