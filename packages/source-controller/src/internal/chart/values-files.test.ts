import { mkdir, mkdtemp, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  effectiveValuesFiles,
  encodeValues,
  mergeChartValues,
  mergeFileValues,
  mergeValues,
  secureJoin,
} from "./values-files.js";

let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "chart-values-"));
  await mkdir(join(dir, "chart"), { recursive: true });
  await writeFile(join(dir, "chart", "values.yaml"), "a: 1\nnested:\n  x: 1\n  y: [1, 2]\n");
  await writeFile(join(dir, "chart", "prod.yaml"), "nested:\n  y: [3]\n  z: true\nb: two\n");
  await writeFile(join(dir, "env.yaml"), "a: 10\n");
  await writeFile(join(dir, "list.yaml"), "- not\n- a map\n");
  await writeFile(join(dir, "empty.yaml"), "");
  await symlink("/etc/hostname", join(dir, "link.yaml"));
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("mergeValues", () => {
  it("merges maps recursively and replaces everything else", () => {
    expect(mergeValues({ a: 1, m: { x: 1, l: [1] } }, { m: { l: [2], y: 2 }, b: null })).toEqual({
      a: 1,
      m: { x: 1, l: [2], y: 2 },
      b: null,
    });
    expect(mergeValues({ m: { x: 1 } }, { m: "scalar" })).toEqual({ m: "scalar" });
  });
});

describe("effectiveValuesFiles", () => {
  it("treats a lone values.yaml as no values files", () => {
    expect(effectiveValuesFiles(["values.yaml"])).toEqual([]);
    expect(effectiveValuesFiles(["./values.yaml"])).toEqual([]);
    expect(effectiveValuesFiles(["values.yaml", "prod.yaml"])).toEqual(["values.yaml", "prod.yaml"]);
    expect(effectiveValuesFiles(undefined)).toEqual([]);
  });
});

describe("secureJoin", () => {
  it("never leaves the root", () => {
    expect(secureJoin("/root", "../../etc/passwd")).toBe("/root/etc/passwd");
    expect(secureJoin("/root", "/abs/file")).toBe("/root/abs/file");
    expect(secureJoin("/root", "a/../b")).toBe("/root/b");
  });
});

describe("mergeFileValues (source artifact root)", () => {
  it("merges files relative to the root in order", async () => {
    const merged = await mergeFileValues(
      dir,
      ["chart/values.yaml", "chart/prod.yaml", "env.yaml", "empty.yaml"],
      false,
    );
    expect(merged.values).toEqual({ a: 10, b: "two", nested: { x: 1, y: [3], z: true } });
    expect(merged.files).toEqual(["chart/values.yaml", "chart/prod.yaml", "env.yaml", "empty.yaml"]);
  });

  it("names a missing file, or skips it when allowed", async () => {
    await expect(mergeFileValues(dir, ["nope.yaml"], false)).rejects.toThrow(
      "no values file found at path '/nope.yaml' (reference 'nope.yaml')",
    );
    const merged = await mergeFileValues(dir, ["nope.yaml", "env.yaml"], true);
    expect(merged.files).toEqual(["env.yaml"]);
  });

  it("refuses symlinks and files that are not mappings", async () => {
    await expect(mergeFileValues(dir, ["link.yaml"], false)).rejects.toThrow(
      "no values file found at path '/link.yaml'",
    );
    await expect(mergeFileValues(dir, ["list.yaml"], false)).rejects.toThrow(
      "unmarshaling values from 'list.yaml' failed",
    );
  });
});

describe("mergeChartValues (inside a chart)", () => {
  it("merges files inside the chart; values.yaml is the chart's defaults", async () => {
    const merged = await mergeChartValues(join(dir, "chart"), ["values.yaml", "prod.yaml"], false);
    expect(merged.values).toEqual({ a: 1, b: "two", nested: { x: 1, y: [3], z: true } });
  });

  it("does not reach outside the chart", async () => {
    await expect(mergeChartValues(join(dir, "chart"), ["../env.yaml"], false)).rejects.toThrow(
      "no values file found at path '../env.yaml'",
    );
  });
});

describe("encodeValues", () => {
  it("writes sorted keys, and nothing for empty values", () => {
    expect(encodeValues({ b: 1, a: { d: [1, 2], c: "x" } })).toBe("a:\n  c: x\n  d:\n  - 1\n  - 2\nb: 1\n");
    expect(encodeValues({})).toBe("");
  });
});
