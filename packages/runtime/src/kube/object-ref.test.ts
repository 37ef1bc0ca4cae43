import { describe, expect, it } from "vitest";
import {
  describeRef,
  formatApiVersion,
  groupKindString,
  gvkOf,
  objectKey,
  parseApiVersion,
  parseObjectKey,
  refOf,
} from "./object-ref.js";

describe("object keys", () => {
  it.each([
    { obj: { namespace: "flux-system", name: "podinfo" }, key: "flux-system/podinfo" },
    { obj: { name: "cluster-wide" }, key: "cluster-wide" },
    { obj: { metadata: { namespace: "apps", name: "web" } }, key: "apps/web" },
    { obj: { metadata: { name: "ns1" } }, key: "ns1" },
  ])("objectKey($obj) = $key and parses back", ({ obj, key }) => {
    expect(objectKey(obj)).toBe(key);
    const parsed = parseObjectKey(key);
    const expected = "metadata" in obj ? obj.metadata : obj;
    expect(parsed).toEqual(expected);
  });

  it("rejects objects without a name", () => {
    expect(() => objectKey({ metadata: { namespace: "x" } })).toThrow(TypeError);
  });
});

describe("api versions", () => {
  it.each([
    { apiVersion: "v1", group: "", version: "v1" },
    { apiVersion: "apps/v1", group: "apps", version: "v1" },
    { apiVersion: "source.toolkit.fluxcd.io/v1", group: "source.toolkit.fluxcd.io", version: "v1" },
  ])("parses $apiVersion", ({ apiVersion, group, version }) => {
    expect(parseApiVersion(apiVersion)).toEqual({ group, version });
    expect(formatApiVersion(group, version)).toBe(apiVersion);
  });

  it("names group kinds", () => {
    expect(groupKindString(gvkOf({ apiVersion: "v1", kind: "Secret" }))).toBe("Secret");
    expect(groupKindString(gvkOf({ apiVersion: "kustomize.toolkit.fluxcd.io/v1", kind: "Kustomization" }))).toBe(
      "Kustomization.kustomize.toolkit.fluxcd.io",
    );
  });
});

describe("refs", () => {
  it("describes namespaced and cluster objects", () => {
    const obj = { apiVersion: "v1", kind: "ConfigMap", metadata: { namespace: "a", name: "b" } };
    expect(refOf(obj)).toEqual({ apiVersion: "v1", kind: "ConfigMap", namespace: "a", name: "b" });
    expect(describeRef(obj)).toBe("ConfigMap/a/b");
    expect(describeRef({ apiVersion: "v1", kind: "Namespace", name: "x" })).toBe("Namespace/x");
  });
});
