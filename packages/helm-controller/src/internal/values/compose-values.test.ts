import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { valuesDigest } from "./compose-values.js";

describe("valuesDigest", () => {
  it("hashes the values as Go's encoding/json writes them: sorted keys, HTML characters escaped", () => {
    const expected = createHash("sha256").update('{"a":{"x":1,"y":"\\u003cb\\u003e"},"b":true}').digest("hex");
    expect(valuesDigest({ b: true, a: { y: "<b>", x: 1 } })).toBe(`sha256:${expected}`);
  });

  it("treats no values as an empty map", () => {
    expect(valuesDigest(undefined)).toBe(valuesDigest({}));
  });
});
