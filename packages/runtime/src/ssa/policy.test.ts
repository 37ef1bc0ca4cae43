import { describe, expect, it } from "vitest";
import { anyInMetadata, objectPolicy, policyKeys, pruneDisabled } from "./policy.js";

const keys = policyKeys("kustomize.toolkit.fluxcd.io");
const withAnnotations = (annotations: Record<string, string>) => ({ metadata: { annotations } });
const withLabels = (labels: Record<string, string>) => ({ metadata: { labels } });

describe("objectPolicy", () => {
  it.each([
    ["no annotations", {}, undefined, { skip: false, ifNotPresent: false, merge: false, force: false }],
    ["ssa: Ignore on the desired object", { [keys.ssa]: "Ignore" }, undefined, { skip: true }],
    ["ssa: ignore (any case)", { [keys.ssa]: "ignore" }, undefined, { skip: true }],
    ["reconcile: disabled", { [keys.reconcile]: "disabled" }, undefined, { skip: true }],
    ["ssa: IfNotPresent", { [keys.ssa]: "IfNotPresent" }, undefined, { ifNotPresent: true, skip: false }],
    ["ssa: Merge", { [keys.ssa]: "Merge" }, undefined, { merge: true }],
    ["ssa: Override", { [keys.ssa]: "Override" }, undefined, { merge: false, skip: false, ifNotPresent: false }],
    ["force: Enabled", { [keys.force]: "Enabled" }, undefined, { force: true }],
    ["ssa: Ignore on the live object only", {}, { [keys.ssa]: "Ignore" }, { skip: true }],
    ["force: Enabled on the live object only", {}, { [keys.force]: "Enabled" }, { force: true }],
    ["IfNotPresent on the live object only", {}, { [keys.ssa]: "IfNotPresent" }, { ifNotPresent: false }],
  ])("%s", (_name, desired, live, expected) => {
    const policy = objectPolicy(keys, withAnnotations(desired), live ? withAnnotations(live) : undefined);
    expect(policy).toMatchObject(expected);
  });

  it("reads labels too", () => {
    expect(objectPolicy(keys, withLabels({ [keys.ssa]: "Ignore" }), undefined).skip).toBe(true);
  });
});

describe("pruneDisabled", () => {
  it.each([
    [{ [keys.prune]: "disabled" }, true],
    [{ [keys.prune]: "Disabled" }, true],
    [{ [keys.reconcile]: "disabled" }, true],
    [{ [keys.ssa]: "Ignore" }, true],
    [{ [keys.prune]: "enabled" }, false],
    [{}, false],
  ])("%j → %s", (annotations, expected) => {
    expect(pruneDisabled(keys, withAnnotations(annotations))).toBe(expected);
  });
});

describe("anyInMetadata", () => {
  it("does not match an empty value", () => {
    expect(anyInMetadata(withAnnotations({ k: "" }), { k: "" })).toBe(false);
    expect(anyInMetadata(undefined, { k: "v" })).toBe(false);
  });
});
