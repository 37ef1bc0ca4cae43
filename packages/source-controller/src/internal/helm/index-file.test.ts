import { describe, expect, it } from "vitest";
import { parse as parseYaml } from "yaml";
import { InvalidIndexError, indexToJson, parseIndex, sortVersions } from "./index-file.js";

const INDEX = `apiVersion: v1
entries:
  app:
  - name: app
    version: 1.0.0
    urls: [app-1.0.0.tgz]
  - name: app
    version: 1.10.0
    apiVersion: v2
    urls: [app-1.10.0.tgz]
  - name: app
    version: not-a-version
  - name: app
    version: 1.2.0-rc.1
  - version: 3.0.0
  - name: app
    version: v1.9
generated: "2024-01-01T00:00:00Z"
`;

describe("parseIndex", () => {
  it("drops invalid versions, defaults the chart apiVersion and sorts versions newest first", () => {
    const index = parseIndex(INDEX);
    expect(index.apiVersion).toBe("v1");
    expect(index.generated).toBe("2024-01-01T00:00:00Z");
    expect(index.entries["app"]?.map((v) => v.version)).toEqual(["1.10.0", "v1.9", "1.2.0-rc.1", "1.0.0"]);
    expect(index.entries["app"]?.[0]?.apiVersion).toBe("v2");
    expect(index.entries["app"]?.[3]?.apiVersion).toBe("v1");
  });

  it("reads JSON indexes too and writes JSON that reads back as the same index", () => {
    const index = parseIndex(JSON.stringify(parseYaml(INDEX)));
    const again = parseIndex(indexToJson(index));
    expect(again).toEqual(index);
    expect(JSON.parse(indexToJson(index))).toEqual(index);
  });

  it.each([
    ["", "no content in index.yaml file"],
    ["   \n", "no content in index.yaml file"],
    ["entries: {}\n", "no API version specified"],
    ["- a\n- b\n", "error unmarshaling index: not a mapping"],
    ["apiVersion: v1\nentries: [1]\n", "error unmarshaling index: entries is not a mapping"],
    ["apiVersion: v1\nentries:\n  app: 3\n", "error unmarshaling index: entries.app is not a list"],
  ])("refuses %j", (text, message) => {
    expect(() => parseIndex(text)).toThrow(InvalidIndexError);
    expect(() => parseIndex(text)).toThrow(message);
  });

  it("refuses YAML that does not parse", () => {
    expect(() => parseIndex("apiVersion: v1\nentries: {a: [\n")).toThrow(/^error unmarshaling index: /);
  });

  it("writes the same JSON whatever the source's key order", () => {
    const a = parseIndex(
      "apiVersion: v1\nentries:\n  b: [{name: b, version: 1.0.0, urls: [x]}]\n  a: [{version: 2.0.0, name: a}]\n",
    );
    const b = parseIndex(
      "entries:\n  a: [{name: a, version: 2.0.0}]\n  b: [{urls: [x], version: 1.0.0, name: b}]\napiVersion: v1\n",
    );
    expect(indexToJson(a)).toBe(indexToJson(b));
    expect(Object.keys(JSON.parse(indexToJson(a)))).toEqual(["apiVersion", "entries"]);
    expect(Object.keys(JSON.parse(indexToJson(a)).entries)).toEqual(["a", "b"]);
    expect(Object.keys(JSON.parse(indexToJson(a)).entries.b[0])).toEqual(["name", "version", "apiVersion", "urls"]);
  });

  it("accepts an index without entries", () => {
    expect(parseIndex("apiVersion: v1\n").entries).toEqual({});
  });
});

describe("sortVersions", () => {
  it("puts unparsable versions last, keeping their order", () => {
    const sorted = sortVersions([{ version: "x" }, { version: "0.1.0" }, { version: "y" }, { version: "2.0.0" }]);
    expect(sorted.map((v) => v.version)).toEqual(["2.0.0", "0.1.0", "x", "y"]);
  });
});
