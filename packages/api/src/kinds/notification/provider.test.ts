import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { parseAllDocuments } from "yaml";
import { crdFor } from "../../crd/crd-for.js";
import { validateObject } from "../../validation/validate.js";
import { unknownFields } from "../kustomize/testdata/unknown-fields.js";
import { COMMIT_STATUS_PROVIDER_TYPES, PROVIDER_TYPES } from "./constants.js";
import { type Provider, ProviderKind } from "./provider.js";

// Every Provider in notification-controller's docs/spec/v1beta3/providers.md (@2e46958).
const examples = parseAllDocuments(
  readFileSync(new URL("./testdata/provider-examples.yaml", import.meta.url), "utf8"),
).map((d) => d.toJS() as Provider);

const base: Provider = {
  apiVersion: "notification.toolkit.fluxcd.io/v1beta3",
  kind: "Provider",
  metadata: { name: "slack", namespace: "default" },
  spec: { type: "slack", channel: "general", secretRef: { name: "slack" } },
};

function withSpec(spec: Record<string, unknown>): unknown {
  return { ...base, spec: { ...base.spec, ...spec } };
}

describe("Provider schema", () => {
  it("has the documented examples to check", () => {
    expect(examples).toHaveLength(40);
    expect(new Set(examples.map((e) => e.spec.type)).size).toBeGreaterThanOrEqual(25);
  });

  it.each(examples.map((e, i) => [i, e.spec.type, e] as const))("accepts docs example #%i (%s)", (_i, _t, example) => {
    expect(validateObject(ProviderKind, example)).toEqual([]);
    expect(unknownFields(ProviderKind, example)).toEqual([]);
  });

  it.each(PROVIDER_TYPES.map((t) => [t]))("accepts type %s", (type) => {
    expect(validateObject(ProviderKind, withSpec({ type }))).toEqual([]);
  });

  it.each(COMMIT_STATUS_PROVIDER_TYPES.map((t) => [t]))("accepts commitStatusExpr for %s", (type) => {
    expect(validateObject(ProviderKind, withSpec({ type, commitStatusExpr: "event.reason" }))).toEqual([]);
  });

  it.each([
    ["unknown type", { type: "email" }, "spec.type", /Unsupported value: "email"/],
    ["timeout in hours", { timeout: "1h" }, "spec.timeout", /should match/],
    ["bad interval", { interval: "soon" }, "spec.interval", /should match/],
    ["proxy without scheme", { proxy: "proxy:8080" }, "spec.proxy", /should match/],
    ["too long address", { address: `https://${"a".repeat(2048)}` }, "spec.address", /Invalid value/],
    [
      "commitStatusExpr on a chat provider",
      { commitStatusExpr: "'x'" },
      "spec",
      /spec.commitStatusExpr is only supported for the 'github', 'gitlab', 'gitea', 'bitbucketserver', 'bitbucket', 'azuredevops' provider types/,
    ],
  ])("rejects %s naming the field", (_name, patch, field, message) => {
    const errors = validateObject(ProviderKind, withSpec(patch));
    expect(errors).toHaveLength(1);
    expect(errors[0]?.field).toBe(field);
    expect(errors[0]?.message).toMatch(message);
  });

  it("requires spec.type", () => {
    expect(validateObject(ProviderKind, { ...base, spec: { channel: "x" } })).toEqual([
      { type: "FieldValueRequired", field: "spec.type", message: "Required value" },
    ]);
  });

  it("accepts a timeout in seconds and milliseconds", () => {
    expect(validateObject(ProviderKind, withSpec({ timeout: "1m30s" }))).toEqual([]);
    expect(validateObject(ProviderKind, withSpec({ timeout: "500ms" }))).toEqual([]);
  });
});

describe("Provider CRD", () => {
  it("is a static kind: Age column only, no status, no subresources", () => {
    const crd = crdFor(ProviderKind) as {
      metadata: { name: string };
      spec: {
        names: Record<string, unknown>;
        versions: Record<string, unknown>[];
      };
    };
    expect(crd.metadata.name).toBe("providers.notification.toolkit.fluxcd.io");
    expect(crd.spec.names).toEqual({
      kind: "Provider",
      listKind: "ProviderList",
      plural: "providers",
      singular: "provider",
      categories: ["all", "fluxcd", "fluxcd-notifications"],
    });
    const v = crd.spec.versions[0] as {
      name: string;
      subresources?: unknown;
      additionalPrinterColumns: unknown;
      schema: { openAPIV3Schema: { properties: Record<string, unknown> } };
    };
    expect(v.name).toBe("v1beta3");
    expect(v.subresources).toBeUndefined();
    expect(v.additionalPrinterColumns).toEqual([
      { name: "Age", type: "date", jsonPath: ".metadata.creationTimestamp" },
    ]);
    expect(Object.keys(v.schema.openAPIV3Schema.properties).sort()).toEqual(["apiVersion", "kind", "metadata", "spec"]);
  });
});
