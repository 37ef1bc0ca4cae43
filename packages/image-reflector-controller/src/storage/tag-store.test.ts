import { mkdtemp, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { TagStore, TagStoreLimitError } from "./tag-store.js";

describe("TagStore", () => {
  let root: string;
  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), "tag-store-"));
  });
  afterEach(() => rm(root, { recursive: true, force: true }));

  it("keeps tags across store instances (a restart) with a stable sha256 revision", async () => {
    const revision = await new TagStore({ root }).set("apps", "podinfo", ["1.0.0", "1.1.0"]);
    expect(revision).toBe(TagStore.revision(["1.0.0", "1.1.0"]));
    expect(revision).toMatch(/^sha256:[a-f0-9]{64}$/);
    expect(await new TagStore({ root }).get("apps", "podinfo")).toEqual(["1.0.0", "1.1.0"]);
    expect(await new TagStore({ root }).get("apps", "other")).toEqual([]);
  });

  it("gzips large lists and drops the other variant", async () => {
    const store = new TagStore({ root, compressionThreshold: 100 });
    const many = Array.from({ length: 50 }, (_, i) => `v${i}`);
    await store.set("ns", "repo", many);
    expect(await readdir(join(root, "imagerepository", "ns", "repo"))).toEqual(["tags.gz"]);
    expect(await store.get("ns", "repo")).toEqual(many);
    await store.set("ns", "repo", ["a"]);
    expect(await readdir(join(root, "imagerepository", "ns", "repo"))).toEqual(["tags"]);
    expect(await store.get("ns", "repo")).toEqual(["a"]);
  });

  it("refuses more tags than its bound and deletes", async () => {
    const store = new TagStore({ root, maxTags: 2 });
    await expect(store.set("ns", "repo", ["a", "b", "c"])).rejects.toThrow(TagStoreLimitError);
    await store.set("ns", "repo", ["a"]);
    await store.delete("ns", "repo");
    expect(await store.get("ns", "repo")).toEqual([]);
  });

  it("refuses names that could escape the root", async () => {
    await expect(new TagStore({ root }).set("..", "x", [])).rejects.toThrow("invalid ImageRepository name");
  });
});
