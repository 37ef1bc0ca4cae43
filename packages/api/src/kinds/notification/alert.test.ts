import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { parseAllDocuments } from "yaml";
import { crdFor } from "../../crd/crd-for.js";
import { applyDefaults, validateObject } from "../../validation/validate.js";
import { unknownFields } from "../kustomize/testdata/unknown-fields.js";
import { type Alert, AlertKind } from "./alert.js";

// Every Alert in notification-controller's docs/spec/v1beta3/alerts.md (@2e46958).
const examples = parseAllDocuments(
  readFileSync(new URL("./testdata/alert-examples.yaml", import.meta.url), "utf8"),
).map((d) => d.toJS() as Alert);

const base: Alert = {
  apiVersion: "notification.toolkit.fluxcd.io/v1beta3",
  kind: "Alert",
  metadata: { name: "on-call", namespace: "flux-system" },
  spec: { providerRef: { name: "slack" }, eventSources: [{ kind: "Kustomization", name: "*" }] },
};

function withSpec(spec: Record<string, unknown>): unknown {
  return { ...base, spec: { ...base.spec, ...spec } };
}

describe("Alert schema", () => {
  it("has the documented examples to check", () => {
    expect(examples).toHaveLength(5);
  });

  it.each(examples.map((e, i) => [i, e] as const))("accepts docs example #%i", (_i, example) => {
    // Some fragments omit providerRef; it is filled in, every other field is the docs' own.
    const obj = { ...example, spec: { providerRef: { name: "slack" }, ...(example.spec as Partial<Alert["spec"]>) } };
    expect(validateObject(AlertKind, obj)).toEqual([]);
    expect(unknownFields(AlertKind, obj)).toEqual([]);
  });

  it("defaults eventSeverity to info", () => {
    expect((applyDefaults(AlertKind, base) as Alert).spec.eventSeverity).toBe("info");
  });

  it.each([
    ["unknown severity", { eventSeverity: "warning" }, "spec.eventSeverity", /Unsupported value: "warning"/],
    [
      "unknown source kind",
      { eventSources: [{ kind: "Deployment", name: "x" }] },
      "spec.eventSources[0].kind",
      /Unsupported/,
    ],
    [
      "empty source name",
      { eventSources: [{ kind: "HelmRelease", name: "" }] },
      "spec.eventSources[0].name",
      /Invalid value/,
    ],
    ["too long summary", { summary: "s".repeat(256) }, "spec.summary", /Invalid value/],
  ])("rejects %s naming the field", (_name, patch, field, message) => {
    const errors = validateObject(AlertKind, withSpec(patch));
    expect(errors).toHaveLength(1);
    expect(errors[0]?.field).toBe(field);
    expect(errors[0]?.message).toMatch(message);
  });

  it.each([
    ["providerRef", "spec.providerRef"],
    ["eventSources", "spec.eventSources"],
  ])("requires spec.%s", (key, field) => {
    const spec: Record<string, unknown> = { ...base.spec };
    delete spec[key];
    expect(validateObject(AlertKind, { ...base, spec })).toEqual([
      { type: "FieldValueRequired", field, message: "Required value" },
    ]);
  });

  it("accepts event sources by label selector", () => {
    const obj = withSpec({
      eventSources: [{ kind: "HelmRelease", name: "*", namespace: "apps", matchLabels: { team: "a" } }],
    });
    expect(validateObject(AlertKind, obj)).toEqual([]);
  });
});

describe("Alert CRD", () => {
  it("is a static kind: Age column only, no status subresource", () => {
    const crd = crdFor(AlertKind) as {
      metadata: { name: string };
      spec: { names: Record<string, unknown>; versions: Record<string, unknown>[] };
    };
    expect(crd.metadata.name).toBe("alerts.notification.toolkit.fluxcd.io");
    expect(crd.spec.names).toMatchObject({
      kind: "Alert",
      plural: "alerts",
      categories: ["all", "fluxcd", "fluxcd-notifications"],
    });
    expect(crd.spec.names).not.toHaveProperty("shortNames");
    expect(crd.spec.versions[0]).toMatchObject({
      name: "v1beta3",
      additionalPrinterColumns: [{ name: "Age", type: "date", jsonPath: ".metadata.creationTimestamp" }],
    });
    expect(crd.spec.versions[0]).not.toHaveProperty("subresources");
  });
});
