import { describe, expect, it } from "vitest";
import type { UnstructuredObject } from "../kube/object-ref.js";
import {
  adjustDesired,
  compileIgnoreRules,
  driftAdjustments,
  ignoredPaths,
  ownedByOtherApplyManager,
  withoutPaths,
} from "./drift-ignore.js";
import { getPointer, parsePointer, removePointer, setPointer } from "./json-pointer.js";
import { parseLabelSelector } from "./label-selector.js";

const fm = "kustomize-controller";

function deployment(): UnstructuredObject {
  return {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: {
      name: "web",
      namespace: "apps",
      labels: { tier: "front", team: "a" },
      annotations: { "a/b": "1" },
      managedFields: [
        {
          manager: "hpa-applier",
          operation: "Apply",
          fieldsType: "FieldsV1",
          fieldsV1: { "f:spec": { "f:replicas": {} } },
        },
        {
          manager: "sidecar-injector",
          operation: "Apply",
          fieldsV1: {
            "f:spec": {
              "f:template": {
                "f:spec": { "f:containers": { 'k:{"name":"proxy"}': { ".": {}, "f:image": {} } } },
              },
            },
          },
        },
        {
          manager: "kubectl-edit",
          operation: "Update",
          fieldsV1: { "f:metadata": { "f:annotations": { "f:a/b": {} } } },
        },
        { manager: "atomic", operation: "Apply", fieldsV1: { "f:spec": { "f:strategy": {} } } },
      ],
    },
    spec: {
      replicas: 5,
      strategy: { type: "RollingUpdate", rollingUpdate: { maxSurge: 1 } },
      template: {
        spec: {
          containers: [
            { name: "web", image: "web:1" },
            { name: "proxy", image: "proxy:2" },
          ],
        },
      },
    },
  };
}

describe("json pointers", () => {
  it("parses escapes and reads, sets and removes values", () => {
    expect(parsePointer("/metadata/annotations/a~1b~0c")).toEqual(["metadata", "annotations", "a/b~c"]);
    expect(() => parsePointer("spec")).toThrow(/must start with '\/'/);
    const doc = deployment();
    expect(getPointer(doc, parsePointer("/spec/template/spec/containers/1/image"))).toEqual({
      found: true,
      value: "proxy:2",
    });
    expect(getPointer(doc, parsePointer("/spec/template/spec/containers/7/image")).found).toBe(false);
    expect(setPointer(doc, parsePointer("/spec/selector/matchLabels/app"), "web")).toBe(true);
    expect(getPointer(doc, ["spec", "selector", "matchLabels", "app"]).value).toBe("web");
    removePointer(doc, parsePointer("/spec/template/spec/containers/0"));
    expect(getPointer(doc, parsePointer("/spec/template/spec/containers/0/name")).value).toBe("proxy");
    removePointer(doc, parsePointer("/does/not/exist"));
  });
});

describe("parseLabelSelector", () => {
  it.each([
    ["tier=front", true],
    ["tier==front,team=a", true],
    ["tier!=front", false],
    ["tier in (back, front)", true],
    ["tier notin (front)", false],
    ["team", true],
    ["!team", false],
    ["!legacy,team in (a)", true],
    ["", true],
  ])("%s", (selector, expected) => {
    expect(parseLabelSelector(selector).matches({ tier: "front", team: "a" })).toBe(expected);
  });

  it("rejects nonsense", () => {
    expect(() => parseLabelSelector("a in b")).toThrow(SyntaxError);
  });
});

describe("compileIgnoreRules", () => {
  it("matches by anchored regexes and label/annotation selectors", () => {
    const rules = compileIgnoreRules([
      { paths: ["/spec/replicas"], selector: { kind: "Deploy.*", group: "apps", labelSelector: "tier=front" } },
      { paths: ["/metadata/annotations/x"], selector: { name: "we" } },
      { paths: ["/data"], selector: { annotationSelector: "a/b=1" } },
    ]);
    expect(ignoredPaths(rules, deployment())).toEqual([["spec", "replicas"], ["data"]]);
  });

  it("throws on a bad regex or pointer", () => {
    expect(() => compileIgnoreRules([{ paths: ["/a"], selector: { kind: "(" } }])).toThrow(/invalid kind regex/);
    expect(() => compileIgnoreRules([{ paths: ["a"] }])).toThrow(/invalid JSON pointer/);
  });
});

describe("ownedByOtherApplyManager", () => {
  it.each([
    ["/spec/replicas", true],
    ["/spec/template/spec/containers/1/image", true],
    ["/spec/template/spec/containers/0/image", false],
    ["/spec/strategy/rollingUpdate/maxSurge", true],
    ["/metadata/annotations/a~1b", false],
  ])("%s → %s", (pointer, expected) => {
    expect(ownedByOtherApplyManager(deployment(), parsePointer(pointer), fm)).toBe(expected);
  });

  it("ignores our own manager", () => {
    expect(ownedByOtherApplyManager(deployment(), ["spec", "replicas"], "hpa-applier")).toBe(false);
  });
});

describe("driftAdjustments", () => {
  it("strips fields another applier owns and adopts live values of the rest", () => {
    const live = deployment();
    const dryRun = structuredClone(live);
    (dryRun["spec"] as { replicas: number }).replicas = 2;
    dryRun.metadata.annotations = { "a/b": "2" };
    const paths = [
      parsePointer("/spec/replicas"),
      parsePointer("/metadata/annotations/a~1b"),
      parsePointer("/spec/paused"),
    ];
    const adjustments = driftAdjustments(live, dryRun, paths, fm);
    expect(adjustments).toEqual([
      { path: ["spec", "replicas"], action: "strip", found: true, value: 5 },
      { path: ["metadata", "annotations", "a/b"], action: "adopt", found: true, value: "1" },
    ]);
    const desired: UnstructuredObject = {
      apiVersion: "apps/v1",
      kind: "Deployment",
      metadata: { name: "web", namespace: "apps", annotations: { "a/b": "2" } },
      spec: { replicas: 2 },
    };
    const adjusted = adjustDesired(desired, adjustments);
    expect(adjusted["spec"]).toEqual({});
    expect(adjusted.metadata.annotations).toEqual({ "a/b": "1" });
    expect(desired["spec"]).toEqual({ replicas: 2 });
  });

  it("removes ignored paths for comparison on a copy", () => {
    const live = deployment();
    const stripped = withoutPaths(live, [["spec", "replicas"]]);
    expect(stripped["spec"]).not.toHaveProperty("replicas");
    expect(live["spec"]).toHaveProperty("replicas", 5);
  });
});
