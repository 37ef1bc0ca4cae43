import { randomBytes } from "node:crypto";
import { lstat, mkdir, mkdtemp, readdir, readFile, readlink, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import { create as createTar } from "tar";
import { afterAll, beforeEach, describe, expect, it } from "vitest";
import { type RawTarEntry, rawTar } from "../../test/support/raw-tar.js";
import { ArchiveLimitError, ArtifactError, UnsafeArchiveError } from "./errors.js";
import { extractTarball } from "./safe-untar.js";

const base = await mkdtemp(join(tmpdir(), "safe-untar-test-"));
let root: string;
let outside: string;

beforeEach(async () => {
  const parent = await mkdtemp(join(base, "case-"));
  root = join(parent, "root");
  outside = join(parent, "outside");
  await mkdir(root);
  await mkdir(outside);
});

afterAll(async () => {
  await rm(base, { recursive: true, force: true });
});

const extract = (archive: Buffer, limits = {}) => extractTarball(Readable.from([archive]), root, limits);

describe("extractTarball", () => {
  it("extracts files, directories, internal symlinks and hard links from a tar.gz built by tar", async () => {
    const src = await mkdtemp(join(base, "src-"));
    await mkdir(join(src, "apps/podinfo"), { recursive: true });
    await import("node:fs/promises").then(async (fs) => {
      await fs.writeFile(join(src, "kustomization.yaml"), "resources: [apps/podinfo]\n");
      await fs.writeFile(join(src, "apps/podinfo/deploy.yaml"), "kind: Deployment\n", { mode: 0o640 });
      await fs.symlink("podinfo/deploy.yaml", join(src, "apps/alias.yaml"));
      await fs.link(join(src, "kustomization.yaml"), join(src, "hard.yaml"));
    });
    const chunks: Buffer[] = [];
    for await (const c of createTar({ gzip: true, cwd: src, portable: true }, ["."])) chunks.push(c as Buffer);

    const result = await extract(Buffer.concat(chunks));

    expect(await readFile(join(root, "kustomization.yaml"), "utf8")).toBe("resources: [apps/podinfo]\n");
    expect(await readFile(join(root, "apps/podinfo/deploy.yaml"), "utf8")).toBe("kind: Deployment\n");
    expect(await readlink(join(root, "apps/alias.yaml"))).toBe("podinfo/deploy.yaml");
    expect(await readFile(join(root, "apps/alias.yaml"), "utf8")).toBe("kind: Deployment\n");
    expect(await readFile(join(root, "hard.yaml"), "utf8")).toBe("resources: [apps/podinfo]\n");
    expect((await stat(join(root, "apps/podinfo/deploy.yaml"))).mode & 0o777).toBe(0o640);
    // the hard link adds no bytes: it shares the first file's content
    expect(result.bytes).toBe("resources: [apps/podinfo]\n".length + "kind: Deployment\n".length);
    expect(result.entries).toBeGreaterThanOrEqual(6);
  });

  it("accepts an uncompressed tar and a later entry replacing an earlier file of the same name", async () => {
    await extract(
      rawTar(
        [
          { path: "a.txt", body: "first" },
          { path: "a.txt", body: "second" },
        ],
        false,
      ),
    );
    expect(await readFile(join(root, "a.txt"), "utf8")).toBe("second");
  });

  it("replaces a symlink by a later file entry of the same name without writing through it", async () => {
    await extract(
      rawTar([
        { path: "target.txt", body: "target" },
        { path: "inner", type: "2", linkpath: "target.txt" },
        { path: "inner", body: "replaced" },
      ]),
    );
    expect((await lstat(join(root, "inner"))).isFile()).toBe(true);
    expect(await readFile(join(root, "inner"), "utf8")).toBe("replaced");
    expect(await readFile(join(root, "target.txt"), "utf8")).toBe("target");
  });

  const unsafe: [string, RawTarEntry[], RegExp][] = [
    ["an absolute path", [{ path: "/etc/evil", body: "x" }], /absolute path/],
    ["a leading ..", [{ path: "../evil", body: "x" }], /'\.\.' segment/],
    ["a .. in the middle", [{ path: "a/../../evil", body: "x" }], /'\.\.' segment/],
    ["a windows drive path", [{ path: "C:/evil", body: "x" }], /absolute path/],
    ["a backslash path", [{ path: "..\\evil", body: "x" }], /backslash/],
    ["a symlink to an absolute path", [{ path: "link", type: "2", linkpath: "/etc/passwd" }], /is absolute/],
    ["a symlink climbing out", [{ path: "a/link", type: "2", linkpath: "../../etc" }], /escapes the extraction root/],
    [
      "a chain of symlinks climbing out",
      [
        { path: "d", type: "5" },
        { path: "d/x", type: "2", linkpath: ".." },
        { path: "d/y", type: "2", linkpath: "x/.." },
      ],
      /resolves outside the extraction root/,
    ],
    [
      "a file written through a symlinked directory",
      [
        { path: "sub", type: "5" },
        { path: "l", type: "2", linkpath: "sub" },
        { path: "l/f.txt", body: "x" },
      ],
      /parent 'l' is a symlink/,
    ],
    ["a hard link climbing out", [{ path: "h", type: "1", linkpath: "../outside/victim" }], /escapes/],
    ["a hard link to an absolute path", [{ path: "h", type: "1", linkpath: "/etc/passwd" }], /escapes/],
    ["a hard link to a missing file", [{ path: "h", type: "1", linkpath: "nope" }], /not a regular file/],
    [
      "a hard link to a symlink",
      [
        { path: "s", type: "2", linkpath: "a" },
        { path: "h", type: "1", linkpath: "s" },
      ],
      /not a regular file/,
    ],
    ["a character device", [{ path: "tty", type: "3" }], /unsupported entry type CharacterDevice/],
    ["a block device", [{ path: "sda", type: "4" }], /unsupported entry type BlockDevice/],
    ["a FIFO", [{ path: "pipe", type: "6" }], /unsupported entry type FIFO/],
  ];

  it.each(unsafe)("rejects %s and leaves nothing behind", async (_name, entries, message) => {
    const archive = rawTar([{ path: "ok.txt", body: "fine" }, ...entries, { path: "after.txt", body: "late" }]);
    const err = await extract(archive).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UnsafeArchiveError);
    expect((err as Error).message).toMatch(message);
    expect(await readdir(root)).toEqual([]);
    expect(await readdir(outside)).toEqual([]);
  });

  it("caps the total extracted size", async () => {
    const archive = rawTar([
      { path: "a.bin", body: randomBytes(3000) },
      { path: "b.bin", body: randomBytes(3000) },
    ]);
    const err = await extract(archive, { maxBytes: 5000 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ArchiveLimitError);
    expect((err as Error).message).toMatch(/exceeds the maximum of 5000 bytes \(at 'b\.bin'\)/);
    expect(await readdir(root)).toEqual([]);
  });

  it("caps the entry count", async () => {
    const entries = Array.from({ length: 11 }, (_, i) => ({ path: `f${i}.txt`, body: "x" }));
    await expect(extract(rawTar(entries), { maxEntries: 10 })).rejects.toThrow(/more than 10 entries/);
    await rm(root, { recursive: true });
    await mkdir(root);
    await expect(extract(rawTar(entries.slice(0, 10)), { maxEntries: 10 })).resolves.toMatchObject({ entries: 10 });
  });

  it("stops a decompression bomb by ratio", async () => {
    const archive = rawTar([{ path: "zeros.bin", body: Buffer.alloc(4 * 1024 * 1024) }]);
    await expect(extract(archive, { maxDecompressionRatio: 50 })).rejects.toBeInstanceOf(ArchiveLimitError);
  });

  it("rejects data that is not a tar archive", async () => {
    await expect(
      extract(Buffer.from("this is not a tarball at all, just some text".repeat(20))),
    ).rejects.toBeInstanceOf(ArtifactError);
  });

  it("refuses a non-empty target directory", async () => {
    await import("node:fs/promises").then((fs) => fs.writeFile(join(root, "existing"), "x"));
    await expect(extract(rawTar([{ path: "a", body: "b" }]))).rejects.toThrow(/is not empty/);
  });
});
