import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { parseAllDocuments } from "yaml";
import { crdFor } from "../../crd/crd-for.js";
import { applyDefaults, validateObject } from "../../validation/validate.js";
import { unknownFields } from "../kustomize/testdata/unknown-fields.js";
import { RECEIVER_TYPES } from "./constants.js";
import { type Receiver, ReceiverKind } from "./receiver.js";
import { receiverWebhookPath } from "./receiver-webhook-path.js";

// Every Receiver in notification-controller's docs/spec/v1/receivers.md (@2e46958).
const examples = parseAllDocuments(
  readFileSync(new URL("./testdata/receiver-examples.yaml", import.meta.url), "utf8"),
).map((d) => d.toJS() as Receiver);

const base: Receiver = {
  apiVersion: "notification.toolkit.fluxcd.io/v1",
  kind: "Receiver",
  metadata: { name: "github", namespace: "flux-system" },
  spec: {
    type: "github",
    resources: [{ kind: "GitRepository", name: "webapp" }],
    secretRef: { name: "webhook-token" },
  },
};

function withSpec(spec: Record<string, unknown>): unknown {
  return JSON.parse(JSON.stringify({ ...base, spec: { ...base.spec, ...spec } }));
}

const oidc = [
  { issuerURL: "https://token.actions.githubusercontent.com", validations: [{ expression: "true", message: "x" }] },
];

describe("Receiver schema", () => {
  it("has the documented examples to check", () => {
    expect(examples).toHaveLength(21);
  });

  it.each(examples.map((e, i) => [i, e.spec?.type, e] as const))("accepts docs example #%i (%s)", (_i, _t, example) => {
    // Some fragments omit type or resources; only those are filled in.
    const obj = {
      ...example,
      spec: {
        type: "generic",
        resources: [{ kind: "GitRepository", name: "x" }],
        ...(example.spec as Partial<Receiver["spec"]>),
      },
    };
    if (obj.spec.type !== "generic-oidc") obj.spec.secretRef ??= { name: "token" };
    expect(validateObject(ReceiverKind, obj)).toEqual([]);
    expect(unknownFields(ReceiverKind, obj)).toEqual([]);
  });

  it.each(RECEIVER_TYPES.filter((t) => t !== "generic-oidc").map((t) => [t]))(
    "accepts type %s with a secretRef",
    (type) => {
      expect(validateObject(ReceiverKind, withSpec({ type }))).toEqual([]);
    },
  );

  it("accepts generic-oidc with oidcProviders and no secretRef", () => {
    expect(
      validateObject(ReceiverKind, withSpec({ type: "generic-oidc", secretRef: undefined, oidcProviders: oidc })),
    ).toEqual([]);
  });

  it("defaults interval to 10m", () => {
    expect((applyDefaults(ReceiverKind, base) as Receiver).spec.interval).toBe("10m");
  });

  it.each([
    ["unknown type", { type: "jenkins" }, "spec.type", /Unsupported value: "jenkins"/],
    ["bad interval", { interval: "1 hour" }, "spec.interval", /should match/],
    ["unknown resource kind", { resources: [{ kind: "Secret", name: "x" }] }, "spec.resources[0].kind", /Unsupported/],
    [
      "generic-oidc without oidcProviders",
      { type: "generic-oidc", secretRef: undefined },
      "spec",
      /generic-oidc receivers must define at least one oidcProvider/,
    ],
    [
      "oidcProviders on github",
      { oidcProviders: oidc },
      "spec",
      /oidcProviders can only be set when type is generic-oidc/,
    ],
    [
      "secretRef on generic-oidc",
      { type: "generic-oidc", oidcProviders: oidc },
      "spec",
      /secretRef cannot be set when type is generic-oidc/,
    ],
    ["missing secretRef", { secretRef: undefined }, "spec", /secretRef is required when type is not generic-oidc/],
    [
      "issuerURL without scheme",
      { type: "generic-oidc", secretRef: undefined, oidcProviders: [{ ...oidc[0], issuerURL: "token.example.com" }] },
      "spec.oidcProviders[0].issuerURL",
      /should match/,
    ],
    [
      "empty validations",
      { type: "generic-oidc", secretRef: undefined, oidcProviders: [{ ...oidc[0], validations: [] }] },
      "spec.oidcProviders[0].validations",
      /must NOT have fewer than 1 items/,
    ],
  ])("rejects %s naming the field", (_name, patch, field, message) => {
    const errors = validateObject(ReceiverKind, withSpec(patch));
    expect(errors).toHaveLength(1);
    expect(errors[0]?.field).toBe(field);
    expect(errors[0]?.message).toMatch(message);
  });

  it.each([
    ["type", "spec.type"],
    ["resources", "spec.resources"],
  ])("requires spec.%s", (key, field) => {
    const spec: Record<string, unknown> = { ...base.spec };
    delete spec[key];
    expect(validateObject(ReceiverKind, { ...base, spec }).map((e) => e.field)).toContain(field);
  });
});

describe("Receiver CRD", () => {
  it("has Flux's names, printer columns, status subresource and the oidcProviders map list", () => {
    const crd = crdFor(ReceiverKind) as {
      metadata: { name: string };
      spec: { names: Record<string, unknown>; versions: Record<string, unknown>[] };
    };
    expect(crd.metadata.name).toBe("receivers.notification.toolkit.fluxcd.io");
    expect(crd.spec.names).toEqual({
      kind: "Receiver",
      listKind: "ReceiverList",
      plural: "receivers",
      singular: "receiver",
      categories: ["all", "fluxcd", "fluxcd-notifications"],
    });
    const v = crd.spec.versions[0] as {
      name: string;
      subresources: unknown;
      additionalPrinterColumns: unknown;
      schema: { openAPIV3Schema: { properties: { spec: { properties: { oidcProviders: Record<string, unknown> } } } } };
    };
    expect(v.name).toBe("v1");
    expect(v.subresources).toEqual({ status: {} });
    expect(v.additionalPrinterColumns).toEqual([
      { name: "Age", type: "date", jsonPath: ".metadata.creationTimestamp" },
      { name: "Ready", type: "string", jsonPath: '.status.conditions[?(@.type=="Ready")].status' },
      { name: "Status", type: "string", jsonPath: '.status.conditions[?(@.type=="Ready")].message' },
    ]);
    expect(v.schema.openAPIV3Schema.properties.spec.properties.oidcProviders).toMatchObject({
      "x-kubernetes-list-map-keys": ["issuerURL"],
      "x-kubernetes-list-type": "map",
    });
  });
});

describe("receiverWebhookPath", () => {
  it("hashes token + name + namespace with SHA-256", () => {
    // sha256("abc") is the FIPS 180-2 test vector.
    expect(receiverWebhookPath("a", "b", "c")).toBe(
      "/hook/ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
    );
  });

  it("differs per receiver for the same token", () => {
    expect(receiverWebhookPath("t", "app", "ns1")).not.toBe(receiverWebhookPath("t", "app", "ns2"));
    expect(receiverWebhookPath("t", "app", "ns1")).toMatch(/^\/hook\/[0-9a-f]{64}$/);
  });
});
