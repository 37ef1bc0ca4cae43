import { describe, expect, it } from "vitest";
import {
  formatObjMetadata,
  InvalidObjMetadataError,
  inventoryDiff,
  inventoryEntryFor,
  type ObjMetadata,
  parseInventoryEntry,
  parseObjMetadata,
  splitApiVersion,
} from "./inventory.js";

describe("formatObjMetadata / parseObjMetadata", () => {
  it.each<[string, ObjMetadata, string]>([
    [
      "core namespaced object",
      { namespace: "default", name: "podinfo", group: "", kind: "Service" },
      "default_podinfo__Service",
    ],
    [
      "grouped object",
      { namespace: "default", name: "podinfo", group: "apps", kind: "Deployment" },
      "default_podinfo_apps_Deployment",
    ],
    ["cluster-scoped object", { namespace: "", name: "apps", group: "", kind: "Namespace" }, "_apps__Namespace"],
    [
      "RBAC name with colons",
      { namespace: "", name: "system:controller:flux", group: "rbac.authorization.k8s.io", kind: "ClusterRole" },
      "_system__controller__flux_rbac.authorization.k8s.io_ClusterRole",
    ],
    [
      "CRD with dotted name",
      {
        namespace: "",
        name: "kustomizations.kustomize.toolkit.fluxcd.io",
        group: "apiextensions.k8s.io",
        kind: "CustomResourceDefinition",
      },
      "_kustomizations.kustomize.toolkit.fluxcd.io_apiextensions.k8s.io_CustomResourceDefinition",
    ],
  ])("round-trips a %s", (_name, meta, id) => {
    expect(formatObjMetadata(meta)).toBe(id);
    expect(parseObjMetadata(id)).toEqual(meta);
  });

  it("only transcodes colons for RBAC kinds when formatting", () => {
    expect(formatObjMetadata({ namespace: "ns", name: "a:b", group: "example.com", kind: "Thing" })).toBe(
      "ns_a:b_example.com_Thing",
    );
  });

  it.each([
    ["no separator", "default-podinfo"],
    ["only namespace and name", "default_podinfo"],
    ["three fields", "default_podinfo_Service"],
    ["underscore left in name", "default_pod_info_apps_Deployment"],
    ["empty name", "default___Service"],
    ["empty kind", "default_podinfo_apps_"],
  ])("rejects an id with %s", (_name, id) => {
    expect(() => parseObjMetadata(id)).toThrow(InvalidObjMetadataError);
  });
});

describe("inventory entries", () => {
  it("splits apiVersion into group and version", () => {
    expect(splitApiVersion("v1")).toEqual({ group: "", version: "v1" });
    expect(splitApiVersion("autoscaling/v2")).toEqual({ group: "autoscaling", version: "v2" });
  });

  it("builds the entry Flux records for an object", () => {
    expect(
      inventoryEntryFor({
        apiVersion: "autoscaling/v2",
        kind: "HorizontalPodAutoscaler",
        metadata: { name: "podinfo", namespace: "default" },
      }),
    ).toEqual({ id: "default_podinfo_autoscaling_HorizontalPodAutoscaler", v: "v2" });
    expect(inventoryEntryFor({ apiVersion: "v1", kind: "Namespace", metadata: { name: "apps" } })).toEqual({
      id: "_apps__Namespace",
      v: "v1",
    });
  });

  it("parses an entry back to apiVersion and identity", () => {
    expect(parseInventoryEntry({ id: "default_podinfo_apps_Deployment", v: "v1" })).toEqual({
      namespace: "default",
      name: "podinfo",
      group: "apps",
      kind: "Deployment",
      version: "v1",
      apiVersion: "apps/v1",
    });
    expect(parseInventoryEntry({ id: "default_podinfo__Service", v: "v1" }).apiVersion).toBe("v1");
  });
});

describe("inventoryDiff", () => {
  const previous = {
    entries: [
      { id: "default_podinfo__Service", v: "v1" },
      { id: "default_podinfo_apps_Deployment", v: "v1" },
      { id: "default_podinfo_autoscaling_HorizontalPodAutoscaler", v: "v2beta2" },
    ],
  };

  it("returns the objects missing from the new inventory, ignoring version changes", () => {
    const next = {
      entries: [
        { id: "default_podinfo_apps_Deployment", v: "v1" },
        { id: "default_podinfo_autoscaling_HorizontalPodAutoscaler", v: "v2" },
      ],
    };
    expect(inventoryDiff(previous, next)).toEqual([{ id: "default_podinfo__Service", v: "v1" }]);
  });

  it("treats a missing inventory as empty", () => {
    expect(inventoryDiff(previous, undefined)).toEqual(previous.entries);
    expect(inventoryDiff(undefined, previous)).toEqual([]);
  });

  it("reports each stale object once", () => {
    const dup = { entries: [previous.entries[0]!, previous.entries[0]!] };
    expect(inventoryDiff(dup, { entries: [] })).toHaveLength(1);
  });

  it("refuses a corrupt inventory instead of guessing", () => {
    expect(() => inventoryDiff({ entries: [{ id: "garbage", v: "v1" }] }, { entries: [] })).toThrow(
      /invalid inventory id "garbage"/,
    );
  });
});
