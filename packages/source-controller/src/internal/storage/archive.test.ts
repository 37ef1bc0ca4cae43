import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdir, utimes, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { buffer } from "node:stream/consumers";
import { gunzipSync } from "node:zlib";
import { tempDir, writeTree } from "@sluice/testkit";
import { Parser, type ReadEntry } from "tar";
import { afterEach, describe, expect, it } from "vitest";
import { IgnoreMatcher } from "../ignore/matcher.js";
import { parsePattern } from "../ignore/pattern.js";
import { createTarGzStream, listArchiveEntries } from "./archive.js";

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c();
});

async function dir(): Promise<string> {
  const d = await tempDir();
  cleanups.push(d.remove);
  return d.path;
}

interface Parsed {
  path: string;
  type: string;
  mode: number | undefined;
  uid: number | undefined;
  gid: number | undefined;
  uname: string | undefined;
  gname: string | undefined;
  mtime: number | undefined;
  content: string;
}

async function parse(gz: Buffer): Promise<Parsed[]> {
  const out: Parsed[] = [];
  const parser = new Parser();
  parser.on("entry", (e: ReadEntry) => {
    const chunks: Buffer[] = [];
    e.on("data", (c: Buffer) => chunks.push(c));
    e.on("end", () =>
      out.push({
        path: e.path,
        type: e.type,
        mode: e.mode,
        uid: e.uid,
        gid: e.gid,
        uname: e.uname,
        gname: e.gname,
        mtime: e.mtime?.getTime(),
        content: Buffer.concat(chunks).toString(),
      }),
    );
  });
  await new Promise<void>((resolve, reject) => {
    parser.on("end", resolve);
    parser.on("error", reject);
    parser.end(gz);
  });
  return out;
}

async function archive(root: string, filter?: IgnoreMatcher): Promise<Buffer> {
  return buffer(createTarGzStream(await listArchiveEntries(root, filter)));
}

describe("reproducible tar.gz archives", () => {
  it("writes sorted entries with zeroed owners, fixed mtime and normalised modes", async () => {
    const root = await dir();
    await writeTree(root, {
      "b.txt": { content: "bee", mode: 0o644 },
      "a/run.sh": { content: "#!/bin/sh\n", mode: 0o755 },
      "a/z.yaml": { content: "z: 1\n", mode: 0o666 },
      "a.txt": { content: "a", mode: 0o400 },
      "empty/": "",
    });
    const entries = await parse(await archive(root));
    expect(entries.map((e) => [e.path, e.type, e.mode])).toEqual([
      ["a/", "Directory", 0o750],
      ["a/run.sh", "File", 0o700],
      ["a/z.yaml", "File", 0o600],
      ["a.txt", "File", 0o600],
      ["b.txt", "File", 0o600],
      ["empty/", "Directory", 0o750],
    ]);
    for (const e of entries) {
      expect(e).toMatchObject({ uid: 0, gid: 0, mtime: 0 });
      expect(e.uname ?? "").toBe("");
      expect(e.gname ?? "").toBe("");
    }
    expect(entries.find((e) => e.path === "a/z.yaml")?.content).toBe("z: 1\n");
  });

  it("gives the same bytes for the same content regardless of times, modes' non-exec bits and creation order", async () => {
    const one = await dir();
    const two = await dir();
    await writeTree(one, { "x/1.yaml": "one", "x/2.yaml": "two", "y.yaml": { content: "y", mode: 0o600 } });
    await writeTree(two, { "y.yaml": { content: "y", mode: 0o664 }, "x/2.yaml": "two", "x/1.yaml": "one" });
    await utimes(join(two, "x/1.yaml"), new Date(2001, 1, 1), new Date(2001, 1, 1));
    const a = await archive(one);
    const b = await archive(two);
    expect(a.equals(b)).toBe(true);
    // gzip header: no mtime (bytes 4..7 are zero).
    expect(a.readUInt32LE(4)).toBe(0);
    await writeFile(join(two, "x/1.yaml"), "changed");
    expect(
      createHash("sha256")
        .update(await archive(two))
        .digest("hex"),
    ).not.toBe(createHash("sha256").update(a).digest("hex"));
  });

  it("skips symlinks and applies the filter", async () => {
    const root = await dir();
    await writeTree(root, {
      "keep.yaml": "k",
      "drop.png": "d",
      "link.yaml": { symlink: "keep.yaml" },
      outside: { symlink: "/etc/passwd" },
      linkdir: { symlink: "." },
    });
    const matcher = new IgnoreMatcher([parsePattern("*.png")]);
    const entries = await parse(await archive(root, matcher));
    expect(entries.map((e) => e.path)).toEqual(["keep.yaml"]);
  });

  it("stores long and non-ASCII paths through PAX headers that GNU tar extracts", async () => {
    const root = await dir();
    const long = `${"d".repeat(120)}/${"f".repeat(150)}.yaml`;
    await writeTree(root, { [long]: "long", "ünïcødé/ファイル.txt": "u" });
    const gz = await archive(root);
    const entries = await parse(gz);
    expect(entries.map((e) => e.path)).toEqual([`${"d".repeat(120)}/`, long, "ünïcødé/", "ünïcødé/ファイル.txt"]);
    // Same bytes twice (PAX records carry no time).
    expect((await archive(root)).equals(gz)).toBe(true);
    const out = await dir();
    await writeFile(join(out, "a.tgz"), gz);
    await mkdir(join(out, "x"));
    execFileSync("tar", ["-xzf", join(out, "a.tgz"), "-C", join(out, "x")]);
    const listed = execFileSync("tar", ["-tzf", join(out, "a.tgz")])
      .toString()
      .trim()
      .split("\n");
    expect(listed).toContain(long);
    expect(gunzipSync(gz).length % 512).toBe(0);
  });

  it("fails on a missing directory", async () => {
    await expect(listArchiveEntries("/nonexistent/dir/for/sure")).rejects.toThrow(/invalid dir path/);
  });
});
