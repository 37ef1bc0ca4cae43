import { describe, expect, it } from "vitest";
import { formatTable } from "./table.js";

describe("formatTable", () => {
  const header = ["NAME", "READY", "MESSAGE"];
  const rows = [
    ["podinfo", "True", "stored artifact for revision 'main@sha1:0123456789abcdef'"],
    ["a", "False", "multi\nline"],
  ];

  it("aligns columns with three spaces and joins multi-line cells", () => {
    expect(formatTable(header, rows)).toBe(
      [
        "NAME      READY   MESSAGE",
        "podinfo   True    stored artifact for revision 'main@sha1:0123456789abcdef'",
        "a         False   multi line",
        "",
      ].join("\n"),
    );
  });

  it("cuts rows wider than the terminal with an ellipsis", () => {
    const lines = formatTable(header, rows, 40).trimEnd().split("\n");
    expect(lines[1]).toBe("podinfo   True    stored artifact for r…");
    expect([...lines[1]!].length).toBe(40);
    expect(lines[2]).toBe("a         False   multi line");
  });
});
