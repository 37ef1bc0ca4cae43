import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { c as createTar } from "tar";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadChartMetadataFromArchive, parseChartMetadata, validateChartMetadata } from "./chart-metadata.js";

let dir: string;

/** Packs `files` (archive path → content) into `<dir>/<name>` with the archive paths as given. */
async function pack(name: string, files: Record<string, string>): Promise<string> {
  const src = join(dir, `${name}-src`);
  for (const [path, content] of Object.entries(files)) {
    const file = join(src, path.replaceAll("..", "dotdot"));
    await mkdir(join(file, ".."), { recursive: true });
    await writeFile(file, content);
  }
  const out = join(dir, name);
  await createTar(
    {
      gzip: true,
      file: out,
      cwd: src,
      preservePaths: true,
      onWriteEntry: (entry) => {
        entry.path = entry.path.replaceAll("dotdot", "..");
      },
    },
    Object.keys(files).map((p) => p.replaceAll("..", "dotdot")),
  );
  return out;
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "chart-meta-"));
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("loadChartMetadataFromArchive", () => {
  it("reads <top>/Chart.yaml of a package", async () => {
    const file = await pack("ok.tgz", {
      "app/Chart.yaml":
        "apiVersion: v2\nname: app\nversion: 1.2.3\ndependencies:\n- name: lib\n  repository: file://../lib\n",
      "app/charts/sub/Chart.yaml": "name: sub\nversion: 9.9.9\n",
    });
    const meta = await loadChartMetadataFromArchive(file);
    expect(meta).toMatchObject({ name: "app", version: "1.2.3", apiVersion: "v2" });
    expect(meta.dependencies).toEqual([{ name: "lib", repository: "file://../lib" }]);
  });

  it("refuses entries that leave the chart directory", async () => {
    const file = await pack("evil.tgz", { "app/Chart.yaml": "name: app\nversion: 1.0.0\n", "app/../../evil": "x" });
    await expect(loadChartMetadataFromArchive(file)).rejects.toThrow("chart illegally references parent directory");
  });

  it("fails without Chart.yaml", async () => {
    const file = await pack("empty.tgz", { "app/values.yaml": "a: 1\n" });
    await expect(loadChartMetadataFromArchive(file)).rejects.toThrow("no 'Chart.yaml' found");
  });
});

describe("validateChartMetadata", () => {
  it.each([
    ["version: 1.0.0\n", "validation: chart.metadata.name is required"],
    ["name: app\n", "validation: chart.metadata.version is required"],
    ["name: app\nversion: one\n", 'validation: chart.metadata.version "one" is invalid'],
  ])("%j fails with %s", (text, message) => {
    expect(() => validateChartMetadata(parseChartMetadata(text))).toThrow(message);
  });

  it("defaults apiVersion to v1 and accepts loose versions", () => {
    const meta = parseChartMetadata("name: app\nversion: v1.2\n");
    expect(meta.apiVersion).toBe("v1");
    expect(() => validateChartMetadata(meta)).not.toThrow();
  });
});
