import { type TreeSpec, tempDir, writeTree } from "@sluice/testkit";
import { afterEach, describe, expect, it } from "vitest";
import { listArchiveEntries } from "../storage/archive.js";
import { loadIgnorePatterns, loadSourceIgnore } from "./source-ignore.js";

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c();
});

async function archivedFiles(spec: TreeSpec, specIgnore?: string): Promise<string[]> {
  const dir = await tempDir();
  cleanups.push(dir.remove);
  await writeTree(dir.path, spec);
  const matcher = await loadSourceIgnore(dir.path, specIgnore);
  const entries = await listArchiveEntries(dir.path, matcher);
  return entries.filter((e) => e.type === "file").map((e) => e.path);
}

const base: TreeSpec = {
  "README.md": "r",
  "deploy/app.yaml": "a",
  "deploy/logo.png": "png",
  "deploy/bundle.tar.gz": "tgz",
  ".git/config": "c",
  ".git/objects/ab/cdef": "o",
  ".gitignore": "g",
  ".gitmodules": "m",
  ".gitattributes": "at",
  ".github/workflows/ci.yaml": "ci",
  ".circleci/config.yml": "ci",
  ".travis.yml": "t",
  ".gitlab-ci.yml": "gl",
  "sub/.goreleaser.yml": "gr",
  "sub/.sops.yaml": "s",
  ".flux.yaml": "f",
};

describe("source ignore rules on crafted trees", () => {
  const cases: { name: string; tree: TreeSpec; specIgnore?: string; expected: string[] }[] = [
    {
      name: "no user patterns: VCS, extension, CI and extra defaults all apply",
      tree: base,
      expected: ["README.md", "deploy/app.yaml"],
    },
    {
      name: "a .sourceignore pattern drops every default except VCS",
      tree: { ...base, ".sourceignore": "README.md\n" },
      expected: [
        ".circleci/config.yml",
        ".flux.yaml",
        ".github/workflows/ci.yaml",
        ".gitlab-ci.yml",
        ".sourceignore",
        ".travis.yml",
        "deploy/app.yaml",
        "deploy/bundle.tar.gz",
        "deploy/logo.png",
        "sub/.goreleaser.yml",
        "sub/.sops.yaml",
      ],
    },
    {
      name: "spec.ignore alone also drops the non-VCS defaults",
      tree: { "a.png": "p", "b.yaml": "b", ".git/HEAD": "h" },
      specIgnore: "# comment\n\nb.yaml\n",
      expected: ["a.png"],
    },
    {
      name: "spec.ignore is applied after the files and can re-include",
      tree: { ".sourceignore": "*.yaml\n", "a.yaml": "a", "keep.yaml": "k" },
      specIgnore: "!keep.yaml",
      expected: [".sourceignore", "keep.yaml"],
    },
    {
      name: "nested .sourceignore patterns are scoped to their directory",
      tree: {
        "top.txt": "t",
        "apps/.sourceignore": "*.txt\n/local.md\n",
        "apps/a.txt": "a",
        "apps/local.md": "l",
        "apps/nested/local.md": "nl",
        "apps/nested/b.txt": "b",
        "other/c.txt": "c",
      },
      expected: ["apps/.sourceignore", "apps/nested/local.md", "other/c.txt", "top.txt"],
    },
    {
      name: "a directory pattern excludes its whole subtree",
      tree: { ".sourceignore": "tests/\n", "tests/a/b.yaml": "x", "testsuite.yaml": "y", "app/tests/c": "z" },
      expected: [".sourceignore", "testsuite.yaml"],
    },
    {
      name: "an exclude-all with re-includes (the Flux docs pattern)",
      tree: {
        "README.md": "r",
        "deploy/webapp/app.yaml": "a",
        "deploy/webapp/notes.md": "n",
        "deploy/other/x.yaml": "x",
        "src/main.go": "m",
      },
      specIgnore: "/*\n!/deploy\n/deploy/*\n!/deploy/webapp\n",
      expected: ["deploy/webapp/app.yaml", "deploy/webapp/notes.md"],
    },
    {
      name: "anchored and ** patterns",
      tree: { "a/b/c.yaml": "1", "a/c.yaml": "2", "c.yaml": "3", "x/y/z/secret.key": "4", "secret.key": "5" },
      specIgnore: "/c.yaml\na/**/c.yaml\n**/secret.key\n",
      expected: [],
    },
    {
      name: "CRLF ignore files and trailing spaces",
      tree: { ".sourceignore": "a.txt  \r\nb.txt\r\n", "a.txt": "a", "b.txt": "b", "c.txt": "c" },
      expected: [".sourceignore", "c.txt"],
    },
    {
      name: ".sourceignore files inside .git are not read",
      tree: { ".git/.sourceignore": "*.yaml\n", "a.yaml": "a", "b.png": "b" },
      expected: ["a.yaml"],
    },
  ];

  it.each(cases)("$name", async ({ tree, specIgnore, expected }) => {
    expect(await archivedFiles(tree, specIgnore)).toEqual(expected);
  });

  it("keeps directories whose content is all excluded, and never lists ignored .git content", async () => {
    const dir = await tempDir();
    cleanups.push(dir.remove);
    await writeTree(dir.path, { "empty/x.png": "p", ".git/config": "c", "a.txt": "a" });
    const entries = await listArchiveEntries(dir.path, await loadSourceIgnore(dir.path));
    expect(entries.map((e) => `${e.type}:${e.path}`)).toEqual(["file:a.txt", "dir:empty"]);
  });

  it("loads patterns in directory order with their domains", async () => {
    const dir = await tempDir();
    cleanups.push(dir.remove);
    await writeTree(dir.path, { ".sourceignore": "root\n", "b/.sourceignore": "bee\n", "a/c/.sourceignore": "sea\n" });
    const patterns = await loadIgnorePatterns(dir.path);
    expect(patterns.map((p) => [p.source, p.domain.join("/")])).toEqual([
      ["root", ""],
      ["sea", "a/c"],
      ["bee", "b"],
    ]);
  });
});
