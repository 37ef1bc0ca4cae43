import { describe, expect, it } from "vitest";
import { formatRfc3339, unflattenMetadata } from "./metadata.js";
import { formatGoFloat, scalarBytes } from "./tree.js";

describe("SOPS MAC value encoding", () => {
  it.each([
    [0.25, "0.25"],
    [1, "1"],
    [1e21, "1000000000000000000000"],
    [1.5e-7, "0.00000015"],
    [-2.5e22, "-25000000000000000000000"],
    [123456.789, "123456.789"],
  ])("formats the float %s as Go's FormatFloat(v, 'f', -1, 64): %s", (value, text) => {
    expect(formatGoFloat(value)).toBe(text);
  });

  it.each([
    [true, "True"],
    [false, "False"],
    [42n, "42"],
    [3, "3"],
    ["text", "text"],
  ] as const)("ToBytes(%s) is %s", (value, text) => {
    expect(scalarBytes(value).toString()).toBe(text);
  });
});

describe("SOPS metadata", () => {
  it.each([
    ["2024-11-12T13:33:42Z", "2024-11-12T13:33:42Z"],
    ["2024-11-12T13:33:42.123456Z", "2024-11-12T13:33:42Z"],
    ["2024-11-12T14:33:42+01:00", "2024-11-12T14:33:42+01:00"],
    ["2024-11-12T13:33:42+00:00", "2024-11-12T13:33:42Z"],
  ])("formats lastmodified %s as Go's RFC3339 %s", (input, output) => {
    expect(formatRfc3339(input)).toBe(output);
  });

  it("rejects a lastmodified that is not RFC 3339", () => {
    expect(() => formatRfc3339("yesterday")).toThrow("'lastmodified' value 'yesterday' is not an RFC 3339 time");
  });

  it("unflattens dotenv/INI metadata keys", () => {
    const tree = unflattenMetadata(
      new Map([
        ["age__list_0__map_recipient", "age1a"],
        ["age__list_0__map_enc", "A"],
        ["age__list_1__map_recipient", "age1b"],
        ["mac", "ENC[x]"],
      ]),
    );
    expect(tree.get("mac")).toBe("ENC[x]");
    expect(tree.get("age")).toEqual([
      new Map([
        ["recipient", "age1a"],
        ["enc", "A"],
      ]),
      new Map([["recipient", "age1b"]]),
    ]);
  });
});
