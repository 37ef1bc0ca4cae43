import { describe, expect, it } from "vitest";
import { PATCH_TYPES, parsePatchBody } from "./patch-object.js";

describe("parsePatchBody for apply patches", () => {
  it("reads a JSON body, as clients send it", () => {
    expect(parsePatchBody(PATCH_TYPES.apply, ' {"kind":"ConfigMap","data":{"a":"1"}}')).toEqual({
      kind: "ConfigMap",
      data: { a: "1" },
    });
  });

  it("reads YAML, a flow mapping that is not JSON included", () => {
    expect(parsePatchBody(PATCH_TYPES.apply, "{kind: ConfigMap, data: {a: '1'}}")).toEqual({
      kind: "ConfigMap",
      data: { a: "1" },
    });
    expect(parsePatchBody(PATCH_TYPES.apply, "kind: ConfigMap\ndata:\n  a: '1'\n")).toEqual({
      kind: "ConfigMap",
      data: { a: "1" },
    });
    expect(parsePatchBody(PATCH_TYPES.apply, "")).toEqual({});
  });

  it("refuses a body that is neither, in kube-apiserver's words", () => {
    expect(() => parsePatchBody(PATCH_TYPES.apply, "{kind: [")).toThrow(/^error decoding YAML: /);
    expect(() => parsePatchBody(PATCH_TYPES.merge, "{kind: [")).toThrow(/^error decoding patch: /);
  });
});
