import { describe, expect, it } from "vitest";
import { ChangeSet } from "./changeset.js";
import { formatObjectId, objMetadataOf, subjectOf } from "./object-id.js";
import { sortObjects, stageObjects } from "./staging.js";

const obj = (apiVersion: string, kind: string, name: string, namespace?: string) => ({
  apiVersion,
  kind,
  metadata: { name, ...(namespace ? { namespace } : {}) },
});

const set = [
  obj("apps/v1", "Deployment", "web", "apps"),
  obj("admissionregistration.k8s.io/v1", "ValidatingWebhookConfiguration", "hook"),
  obj("v1", "Service", "web", "apps"),
  obj("networking.k8s.io/v1", "IngressClass", "nginx"),
  obj("v1", "ConfigMap", "b", "apps"),
  obj("v1", "ConfigMap", "a", "apps"),
  obj("v1", "Namespace", "apps"),
  obj("rbac.authorization.k8s.io/v1", "ClusterRole", "reader"),
  obj("apiextensions.k8s.io/v1", "CustomResourceDefinition", "widgets.example.com"),
  obj("example.com/v1", "Widget", "w1", "apps"),
  obj("storage.k8s.io/v1", "StorageClass", "fast"),
  obj("v1", "ServiceAccount", "web", "apps"),
  obj("monitoring.coreos.com/v1", "ServiceMonitor", "web", "apps"),
];

describe("stageObjects", () => {
  it("splits definitions, classes, custom kinds and the rest, each in apply order", () => {
    const stages = stageObjects(set, new Set(["monitoring.coreos.com/ServiceMonitor"]));
    expect(stages.definitions.map(subjectOf)).toEqual([
      "CustomResourceDefinition/widgets.example.com",
      "Namespace/apps",
      "ClusterRole/reader",
    ]);
    expect(stages.classes.map(subjectOf)).toEqual(["StorageClass/fast", "IngressClass/nginx"]);
    expect(stages.custom.map(subjectOf)).toEqual(["ServiceMonitor/apps/web"]);
    expect(stages.resources.map(subjectOf)).toEqual([
      "ServiceAccount/apps/web",
      "ConfigMap/apps/a",
      "ConfigMap/apps/b",
      "Service/apps/web",
      "Deployment/apps/web",
      "Widget/apps/w1",
      "ValidatingWebhookConfiguration/hook",
    ]);
  });

  it("treats look-alike kinds from other groups as ordinary objects", () => {
    const stages = stageObjects([obj("example.com/v1", "Namespace", "x"), obj("example.com/v1", "ClusterRole", "y")]);
    expect(stages.definitions).toEqual([]);
    expect(stages.resources).toHaveLength(2);
  });
});

describe("sortObjects", () => {
  it("orders unknown kinds between the first and last lists, by group then kind then namespace and name", () => {
    const sorted = sortObjects([
      obj("b.example.com/v1", "Zed", "z", "ns"),
      obj("a.example.com/v1", "Zed", "z", "ns"),
      obj("a.example.com/v1", "Alpha", "b", "ns2"),
      obj("a.example.com/v1", "Alpha", "b", "ns1"),
      obj("admissionregistration.k8s.io/v1", "MutatingWebhookConfiguration", "m"),
      obj("v1", "Secret", "s", "ns"),
    ]).map(subjectOf);
    expect(sorted).toEqual([
      "Secret/ns/s",
      "Alpha/ns1/b",
      "Alpha/ns2/b",
      "Zed/ns/z",
      "Zed/ns/z",
      "MutatingWebhookConfiguration/m",
    ]);
  });
});

describe("object ids and change sets", () => {
  it.each([
    [obj("v1", "Service", "podinfo", "default"), "default_podinfo__Service"],
    [obj("v1", "Namespace", "flux-system"), "_flux-system__Namespace"],
    [obj("apps/v1", "Deployment", "web", "apps"), "apps_web_apps_Deployment"],
    [
      obj("rbac.authorization.k8s.io/v1", "ClusterRole", "system:reader"),
      "_system__reader_rbac.authorization.k8s.io_ClusterRole",
    ],
  ])("formats the inventory id of %j", (o, id) => {
    expect(formatObjectId(objMetadataOf(o))).toBe(id);
  });

  it("renders the Flux change log, grouped maps, refs and inventory entries", () => {
    const meta = objMetadataOf(obj("apps/v1", "Deployment", "web", "apps"));
    const cm = objMetadataOf(obj("v1", "ConfigMap", "a", "apps"));
    const cs = new ChangeSet([
      {
        id: formatObjectId(meta),
        objMetadata: meta,
        version: "v1",
        subject: "Deployment/apps/web",
        action: "configured",
      },
      { id: formatObjectId(cm), objMetadata: cm, version: "v1", subject: "ConfigMap/apps/a", action: "unchanged" },
    ]);
    expect(cs.changesString()).toBe("Deployment/apps/web configured");
    expect(cs.toString()).toBe("Deployment/apps/web configured\nConfigMap/apps/a unchanged");
    expect(cs.toGroupedMap()).toEqual({ configured: ["Deployment/apps/web"], unchanged: ["ConfigMap/apps/a"] });
    expect(cs.toMap()).toEqual({ "Deployment/apps/web": "configured", "ConfigMap/apps/a": "unchanged" });
    expect(cs.toRefs()).toEqual([
      { apiVersion: "apps/v1", kind: "Deployment", name: "web", namespace: "apps" },
      { apiVersion: "v1", kind: "ConfigMap", name: "a", namespace: "apps" },
    ]);
    expect(cs.toInventory()).toEqual([
      { id: "apps_web_apps_Deployment", v: "v1" },
      { id: "apps_a__ConfigMap", v: "v1" },
    ]);
    expect(cs.toRefs("configured")).toEqual([
      { apiVersion: "apps/v1", kind: "Deployment", name: "web", namespace: "apps" },
    ]);
    expect(cs.hasChanges()).toBe(true);
  });
});
