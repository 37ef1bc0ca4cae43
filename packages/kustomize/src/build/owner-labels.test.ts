import { describe, expect, it } from "vitest";
import { setCommonMetadata, setOwnerLabels } from "./owner-labels.js";

const objects = () => [
  {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name: "web", labels: { app: "web", "kustomize.toolkit.fluxcd.io/name": "forged" } },
    spec: { selector: { matchLabels: { app: "web" } }, template: { metadata: { labels: { app: "web" } } } },
  },
  { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "cm" } },
];

describe("setOwnerLabels", () => {
  it("labels every object with the Kustomization's name and namespace, overriding manifests", () => {
    const objs = objects();
    setOwnerLabels(objs, { name: "apps", namespace: "flux-system" });
    for (const obj of objs) {
      expect(obj.metadata).toMatchObject({
        labels: { "kustomize.toolkit.fluxcd.io/name": "apps", "kustomize.toolkit.fluxcd.io/namespace": "flux-system" },
      });
    }
    expect(objs[0]?.metadata.labels?.["app"]).toBe("web");
  });
});

describe("setCommonMetadata", () => {
  it("adds labels and annotations to metadata only, overriding existing keys, leaving selectors alone", () => {
    const objs = objects();
    setCommonMetadata(objs, { labels: { app: "common", team: "a" }, annotations: { owner: "ops" } });
    expect(objs[0]?.metadata).toMatchObject({ labels: { app: "common", team: "a" }, annotations: { owner: "ops" } });
    expect(objs[0]?.spec).toEqual({
      selector: { matchLabels: { app: "web" } },
      template: { metadata: { labels: { app: "web" } } },
    });
    expect(objs[1]?.metadata).toEqual({
      name: "cm",
      labels: { team: "a", app: "common" },
      annotations: { owner: "ops" },
    });
  });

  it("does nothing without commonMetadata and adds no empty maps", () => {
    const objs = objects();
    setCommonMetadata(objs, undefined);
    setCommonMetadata(objs, {});
    expect(objs[1]?.metadata).toEqual({ name: "cm" });
  });
});
