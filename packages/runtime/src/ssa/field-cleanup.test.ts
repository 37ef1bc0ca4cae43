import { describe, expect, it } from "vitest";
import type { UnstructuredObject } from "../kube/object-ref.js";
import { cleanupPatch, defaultCleanupManagers, lastAppliedAnnotation, mergeFieldsV1 } from "./field-cleanup.js";

const fm = "kustomize-controller";

function live(managedFields: unknown[], extra: Partial<UnstructuredObject["metadata"]> = {}): UnstructuredObject {
  return { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "c", namespace: "n", managedFields, ...extra } };
}

const ours = {
  manager: fm,
  operation: "Apply",
  apiVersion: "v1",
  fieldsType: "FieldsV1",
  fieldsV1: { "f:data": { "f:a": {} } },
};
const kubectlEdit = {
  manager: "kubectl-edit",
  operation: "Update",
  apiVersion: "v1",
  fieldsType: "FieldsV1",
  fieldsV1: { "f:data": { "f:b": {} }, "f:metadata": { "f:labels": { "f:x": {} } } },
};
const hpa = { manager: "kube-controller-manager", operation: "Update", apiVersion: "v1", fieldsV1: { "f:spec": {} } };
const statusWriter = { manager: "kubectl", operation: "Update", subresource: "status", fieldsV1: { "f:status": {} } };

describe("cleanupPatch", () => {
  it("merges fields of kubectl into our Apply entry, keeps other managers and subresource entries", () => {
    const ops = cleanupPatch(live([ours, kubectlEdit, hpa, statusWriter]), fm, {});
    expect(ops).toEqual([
      {
        op: "replace",
        path: "/metadata/managedFields",
        value: [
          hpa,
          statusWriter,
          { ...ours, fieldsV1: { "f:data": { "f:a": {}, "f:b": {} }, "f:metadata": { "f:labels": { "f:x": {} } } } },
        ],
      },
    ]);
  });

  it("renames the first matched entry to our manager when we own nothing yet", () => {
    const ops = cleanupPatch(live([{ ...kubectlEdit, manager: "before-first-apply" }, hpa]), fm, {});
    expect(ops[0]?.value).toEqual([hpa, { ...kubectlEdit, manager: fm, operation: "Apply" }]);
  });

  it("takes over our own pre-SSA Update entries and configured override managers", () => {
    const legacy = { ...kubectlEdit, manager: fm, operation: "Update" };
    const helm = { ...kubectlEdit, manager: "helm", operation: "Update" };
    const ops = cleanupPatch(live([ours, legacy, helm]), fm, { fieldManagers: defaultCleanupManagers(fm, ["helm"]) });
    expect(((ops[0]?.value ?? []) as unknown[]).map((e) => (e as { manager: string }).manager)).toEqual([fm]);
  });

  it("removes the kubectl last-applied annotation and listed labels", () => {
    const ops = cleanupPatch(
      live([ours], {
        annotations: { [lastAppliedAnnotation]: "{}", keep: "1" },
        labels: { "fluxcd.io/sync-gc-mark": "x" },
      }),
      fm,
      { labels: ["fluxcd.io/sync-gc-mark"] },
    );
    expect(ops).toEqual([
      { op: "remove", path: "/metadata/annotations/kubectl.kubernetes.io~1last-applied-configuration" },
      { op: "remove", path: "/metadata/labels/fluxcd.io~1sync-gc-mark" },
    ]);
  });

  it("is empty when there is nothing to take over", () => {
    expect(cleanupPatch(live([ours, hpa]), fm, {})).toEqual([]);
    expect(cleanupPatch(live([]), fm, {})).toEqual([]);
  });

  it("matches names exactly when asked", () => {
    const exact = { fieldManagers: [{ name: "kubectl", operation: "Update" as const, exactMatch: true }] };
    expect(cleanupPatch(live([ours, kubectlEdit]), fm, exact)).toEqual([]);
  });
});

describe("mergeFieldsV1", () => {
  it("unions nested tries", () => {
    expect(mergeFieldsV1({ "f:a": { "f:b": {} }, ".": {} }, { "f:a": { "f:c": {} }, "f:d": {} })).toEqual({
      "f:a": { "f:b": {}, "f:c": {} },
      ".": {},
      "f:d": {},
    });
  });
});
