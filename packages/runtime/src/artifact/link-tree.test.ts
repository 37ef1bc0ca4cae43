import { lstat, mkdir, mkdtemp, readdir, readFile, readlink, rm, stat, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { linkTree, linkTreeAlong, removeTree, replaceFile } from "./link-tree.js";

let tmp: string;
let from: string;
let to: string;

beforeEach(async () => {
  tmp = await mkdtemp(join(tmpdir(), "link-tree-"));
  from = join(tmp, "from");
  to = join(tmp, "to");
  await mkdir(join(from, "apps/base"), { recursive: true });
  await mkdir(join(from, "empty"), { recursive: true });
  await writeFile(join(from, "apps/base/deploy.yaml"), "kind: Deployment\n");
  await writeFile(join(from, "apps/base/kustomization.yaml"), "resources: [deploy.yaml]\n");
  await writeFile(join(from, "README"), "hello\n", { mode: 0o600 });
  await symlink("base", join(from, "apps/current"));
  await symlink("../README", join(from, "apps/readme-link"));
});

afterEach(async () => {
  await rm(tmp, { recursive: true, force: true });
});

describe("linkTree", () => {
  it("recreates directories and symlinks and hard-links files (same inode, no content copied)", async () => {
    const result = await linkTree(from, to);
    expect(result).toEqual({ files: 3, dirs: 3, symlinks: 2 });
    const a = await stat(join(from, "apps/base/deploy.yaml"));
    const b = await stat(join(to, "apps/base/deploy.yaml"));
    expect(b.ino).toBe(a.ino);
    expect(b.nlink).toBe(2);
    expect((await stat(join(to, "README"))).mode & 0o777).toBe(0o600);
    expect(await readlink(join(to, "apps/current"))).toBe("base");
    expect(await readFile(join(to, "apps/current/deploy.yaml"), "utf8")).toBe("kind: Deployment\n");
    expect(await readFile(join(to, "apps/readme-link"), "utf8")).toBe("hello\n");
    expect((await lstat(join(to, "empty"))).isDirectory()).toBe(true);
  });

  it("leaves the source intact when the copy's files are replaced or its tree deleted", async () => {
    await linkTree(from, to);
    await replaceFile(join(to, "apps/base/kustomization.yaml"), "resources: [deploy.yaml]\nnamespace: x\n");
    await replaceFile(join(to, "apps/base/new.yaml"), "kind: ConfigMap\n", { mode: 0o600 });
    expect(await readFile(join(to, "apps/base/kustomization.yaml"), "utf8")).toContain("namespace: x");
    expect(await readFile(join(from, "apps/base/kustomization.yaml"), "utf8")).toBe("resources: [deploy.yaml]\n");
    expect((await stat(join(to, "apps/base/new.yaml"))).mode & 0o777).toBe(0o600);
    await expect(stat(join(from, "apps/base/new.yaml"))).rejects.toMatchObject({ code: "ENOENT" });

    await rm(to, { recursive: true, force: true });
    expect(await readFile(join(from, "apps/base/deploy.yaml"), "utf8")).toBe("kind: Deployment\n");
    expect((await stat(join(from, "apps/base/deploy.yaml"))).nlink).toBe(1);
  });

  it("fails on a source that does not exist", async () => {
    await expect(linkTree(join(tmp, "missing"), to)).rejects.toMatchObject({ code: "ENOENT" });
  });
});

describe("removeTree", () => {
  it("removes a linked copy (files, symlinks, empty and nested directories) and leaves the source", async () => {
    await linkTree(from, to);
    await removeTree(to);
    await expect(lstat(to)).rejects.toMatchObject({ code: "ENOENT" });
    expect(await readFile(join(from, "apps/base/deploy.yaml"), "utf8")).toBe("kind: Deployment\n");
    expect(await readlink(join(from, "apps/current"))).toBe("base");
  });

  it("accepts a missing path and a plain file", async () => {
    await removeTree(join(tmp, "missing"));
    await removeTree(join(from, "README"));
    await expect(lstat(join(from, "README"))).rejects.toMatchObject({ code: "ENOENT" });
  });

  it("does not follow a symlink to a directory", async () => {
    await mkdir(to);
    await symlink(join(from, "apps"), join(to, "apps-link"));
    await removeTree(to);
    expect(await readFile(join(from, "apps/base/deploy.yaml"), "utf8")).toBe("kind: Deployment\n");
  });
});

describe("replaceFile", () => {
  it("leaves no temp file behind when the write fails", async () => {
    await mkdir(to);
    await expect(replaceFile(join(to, "no-such-dir/file"), "x")).rejects.toMatchObject({ code: "ENOENT" });
    await expect(replaceFile(join(to), "x")).rejects.toBeDefined(); // a directory cannot be replaced by a file
    expect(await readdir(to)).toEqual([]);
  });
});

describe("linkTreeAlong", () => {
  it("copies only the path's subtree; everything beside it is a symlink to the original", async () => {
    const result = await linkTreeAlong(from, to, "./apps/base");
    expect(result).toEqual({ files: 2, dirs: 2, symlinks: 4 });
    // The subtree: real directories and hard links, so a build may replace files there.
    expect((await lstat(join(to, "apps/base"))).isDirectory()).toBe(true);
    expect((await stat(join(to, "apps/base/deploy.yaml"))).ino).toBe(
      (await stat(join(from, "apps/base/deploy.yaml"))).ino,
    );
    await replaceFile(join(to, "apps/base/kustomization.yaml"), "resources: []\n");
    expect(await readFile(join(from, "apps/base/kustomization.yaml"), "utf8")).toBe("resources: [deploy.yaml]\n");
    // Beside it: symlinks into the original, so `../` references reach the same content.
    expect(await readlink(join(to, "README"))).toBe(join(from, "README"));
    expect(await readlink(join(to, "empty"))).toBe(join(from, "empty"));
    expect(await readlink(join(to, "apps/current"))).toBe(join(from, "apps/current"));
    expect(await readFile(join(to, "apps/base/../readme-link"), "utf8")).toBe("hello\n");
    // Removing the copy leaves the original whole.
    await removeTree(to);
    expect((await readdir(join(from, "apps/base"))).sort()).toEqual(["deploy.yaml", "kustomization.yaml"]);
    expect(await readFile(join(from, "README"), "utf8")).toBe("hello\n");
  });

  it("links the whole tree for the root, a missing path, or a path through a symlink", async () => {
    for (const [i, rel] of ["", "./", "apps/missing", "apps/current", "../x"].entries()) {
      const dest = join(tmp, `to-${i}`);
      expect(await linkTreeAlong(from, dest, rel), rel).toEqual({ files: 3, dirs: 3, symlinks: 2 });
      expect((await lstat(join(dest, "README"))).isSymbolicLink(), rel).toBe(false);
    }
  });
});
