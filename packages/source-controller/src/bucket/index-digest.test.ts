import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import { ObjectIndex } from "./index-digest.js";

describe("ObjectIndex", () => {
  it("hashes sorted '<key> <etag>' lines as Flux's index digester", () => {
    const index = new ObjectIndex();
    index.add("b/x.yaml", "etag2");
    index.add("a.yaml", "etag1");
    index.add("B.yaml", "etag3");
    const text = "B.yaml etag3\na.yaml etag1\nb/x.yaml etag2\n";
    expect(index.digest()).toBe(`sha256:${createHash("sha256").update(text).digest("hex")}`);
  });

  it("gives the empty index the digest of no bytes", () => {
    expect(new ObjectIndex().digest()).toBe("sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  });

  it("changes with an ETag and forgets deleted keys", () => {
    const index = new ObjectIndex();
    index.add("a", "1");
    const first = index.digest();
    index.add("a", "2");
    expect(index.digest()).not.toBe(first);
    index.add("a", "1");
    index.add("gone", "3");
    index.delete("gone");
    expect(index.digest()).toBe(first);
    expect(index.size).toBe(1);
  });

  it("orders keys byte-wise, not by locale", () => {
    const index = new ObjectIndex();
    for (const key of ["é.yaml", "z.yaml", "Z.yaml", "a.yaml"]) index.add(key, "e");
    expect(index.entries().map(([k]) => k)).toEqual(["Z.yaml", "a.yaml", "z.yaml", "é.yaml"]);
  });
});
