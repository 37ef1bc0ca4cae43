import { Type } from "@sinclair/typebox";
import { describe, expect, it } from "vitest";
import { Conditions } from "../meta/condition.js";
import { Duration } from "../meta/duration.js";
import { defineKind } from "../meta/kind.js";
import { StringEnum } from "../meta/schema-helpers.js";
import { applyDefaults, assertValid, validateObject } from "./validate.js";

// A small kind exercising every schema feature the validator must honour.
const Widget = defineKind({
  group: "test.sluice.dev",
  version: "v1",
  kind: "Widget",
  plural: "widgets",
  singular: "widget",
  description: "test kind",
  specRequired: true,
  spec: Type.Object(
    {
      url: Type.String({ pattern: "^(http|https)://.*$" }),
      interval: Duration(),
      timeout: Type.Optional(Duration({ default: "60s" })),
      mode: Type.Optional(StringEnum(["A", "B"] as const, { default: "A" })),
      refs: Type.Optional(Type.Array(Type.Object({ name: Type.String() }))),
      a: Type.Optional(Type.String()),
      b: Type.Optional(Type.String()),
    },
    { "x-kubernetes-validations": [{ rule: "!(has(self.a) && has(self.b))", message: "a and b are exclusive" }] },
  ),
  status: Type.Object({ observedGeneration: Type.Optional(Type.Integer()), conditions: Type.Optional(Conditions()) }),
});

const base = {
  apiVersion: "test.sluice.dev/v1",
  kind: "Widget",
  metadata: { name: "w", namespace: "default" },
  spec: { url: "https://example.com", interval: "1m" },
};

describe("validateObject", () => {
  it("accepts a valid object and fills defaults", () => {
    expect(validateObject(Widget, base)).toEqual([]);
    expect(applyDefaults(Widget, base).spec).toMatchObject({ timeout: "60s", mode: "A" });
  });

  it.each([
    ["bad interval pattern", { interval: "1x" }, "spec.interval", /should match/],
    ["unknown enum value", { mode: "C" }, "spec.mode", /Unsupported value: "C": supported values: "A", "B"/],
    ["url scheme not allowed", { url: "ftp://x" }, "spec.url", /Invalid value: "ftp:\/\/x"/],
    ["wrong type in array item", { refs: [{ name: 3 }] }, "spec.refs[0].name", /must be of type string/],
    ["CEL rule", { a: "x", b: "y" }, "spec", /a and b are exclusive/],
  ])("rejects %s naming the field", (_name, patch, field, message) => {
    const errors = validateObject(Widget, { ...base, spec: { ...base.spec, ...patch } });
    expect(errors).toHaveLength(1);
    expect(errors[0]?.field).toBe(field);
    expect(errors[0]?.message).toMatch(message);
  });

  it("reports a missing required field by its full path", () => {
    const errors = validateObject(Widget, { ...base, spec: { url: "https://x" } });
    expect(errors).toEqual([{ type: "FieldValueRequired", field: "spec.interval", message: "Required value" }]);
  });

  it("assertValid names the object", () => {
    expect(() => assertValid(Widget, { ...base, spec: { ...base.spec, interval: "soon" } })).toThrow(
      /^Widget default\/w is invalid: spec.interval: Invalid value: "soon"/,
    );
  });
});

describe("validateObject with nulls", () => {
  it("treats null on a field as absent, as the API server does", () => {
    expect(validateObject(Widget, { ...base, spec: { ...base.spec, a: null } })).toEqual([]);
  });
});
