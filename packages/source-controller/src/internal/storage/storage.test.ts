import { createHash } from "node:crypto";
import { lstat, readFile, readlink, stat, utimes, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { Readable } from "node:stream";
import { tempDir, writeTree } from "@sluice/testkit";
import { afterEach, describe, expect, it } from "vitest";
import { advertisedAddress, artifactUrl, parseListenAddress } from "./advertised-address.js";
import { artifactDir, artifactPath, resolveInsideRoot } from "./artifact-path.js";
import { ArtifactDigestMismatchError, InvalidArtifactPathError } from "./errors.js";
import { ArtifactStorage, rfc3339Now } from "./storage.js";

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c();
});

async function newStorage(opts: { ttl?: number; records?: number } = {}): Promise<ArtifactStorage> {
  const d = await tempDir("sc-storage-");
  cleanups.push(d.remove);
  const s = new ArtifactStorage({
    basePath: join(d.path, "data"),
    hostname: "source-controller.flux-system.svc.cluster.local.",
    ...(opts.ttl === undefined ? {} : { retentionTtlMs: opts.ttl }),
    ...(opts.records === undefined ? {} : { retentionRecords: opts.records }),
  });
  await s.init();
  return s;
}

const sha256 = (b: Buffer | string) => `sha256:${createHash("sha256").update(b).digest("hex")}`;

describe("artifact paths and URLs", () => {
  it("lays out <lowercase kind>/<namespace>/<name>/<file>", () => {
    expect(artifactDir("GitRepository", "flux-system", "podinfo")).toBe("gitrepository/flux-system/podinfo");
    expect(artifactPath("HelmChart", "default", "x", "podinfo-6.0.3.tgz")).toBe(
      "helmchart/default/x/podinfo-6.0.3.tgz",
    );
  });

  it.each([
    ["GitRepository", "..", "x", "f"],
    ["GitRepository", "ns", "a/b", "f"],
    ["GitRepository", "ns", "x", "../f"],
    ["GitRepository", "ns", "x", ""],
  ])("rejects unsafe components %j/%j/%j/%j", (kind, ns, name, file) => {
    expect(() => artifactPath(kind, ns, name, file)).toThrow(InvalidArtifactPathError);
  });

  it("refuses paths leaving the root", () => {
    expect(() => resolveInsideRoot("/data", "../etc/passwd")).toThrow(InvalidArtifactPathError);
    expect(() => resolveInsideRoot("/data", "/etc/passwd")).toThrow(InvalidArtifactPathError);
    expect(() => resolveInsideRoot("/data", "a/../../x")).toThrow(InvalidArtifactPathError);
    expect(resolveInsideRoot("/data", "a/./b/../c")).toBe("/data/a/c");
  });

  it.each([
    [":9090", undefined, {}, "localhost:9090"],
    ["0.0.0.0:9090", undefined, { HOSTNAME: "pod-1" }, "pod-1:9090"],
    ["127.0.0.1:9090", undefined, {}, "127.0.0.1:9090"],
    ["[::1]:9090", undefined, {}, "[::1]:9090"],
    [
      ":9090",
      "source-controller.flux-system.svc.cluster.local.",
      {},
      "source-controller.flux-system.svc.cluster.local.",
    ],
  ])("advertises %j (adv %j) as %j", (addr, adv, env, expected) => {
    expect(advertisedAddress(addr, adv, env)).toBe(expected);
  });

  it("parses listen addresses and rejects bad ones", () => {
    expect(parseListenAddress(":0")).toEqual({ host: "", port: 0 });
    expect(parseListenAddress("[::]:80")).toEqual({ host: "::", port: 80 });
    expect(() => parseListenAddress("9090")).toThrow(/invalid storage address/);
    expect(() => parseListenAddress("host:99999")).toThrow(/invalid storage address/);
  });

  it("builds URLs with or without a scheme in the advertised address", () => {
    expect(artifactUrl("sc.ns.svc", "/gitrepository/a/b/c.tar.gz")).toBe("http://sc.ns.svc/gitrepository/a/b/c.tar.gz");
    expect(artifactUrl("https://sc.example/", "x/y")).toBe("https://sc.example/x/y");
  });
});

describe("ArtifactStorage", () => {
  it("archives a directory atomically with digest, size, URL and lastUpdateTime", async () => {
    const s = await newStorage();
    const src = await tempDir();
    cleanups.push(src.remove);
    await writeTree(src.path, { "app.yaml": "kind: ConfigMap\n", ".git/HEAD": "ref" });
    const target = s.newArtifactFor(
      "GitRepository",
      { namespace: "default", name: "podinfo" },
      "main@sha1:abc",
      "abc.tar.gz",
    );
    expect(target.url).toBe(
      "http://source-controller.flux-system.svc.cluster.local./gitrepository/default/podinfo/abc.tar.gz",
    );
    const artifact = await s.archive(target, src.path);
    const bytes = await readFile(s.localPath(artifact));
    expect(artifact).toMatchObject({ path: target.path, url: target.url, revision: "main@sha1:abc" });
    expect(artifact.digest).toBe(sha256(bytes));
    expect(artifact.size).toBe(bytes.length);
    expect(artifact.lastUpdateTime).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    expect((await stat(s.localPath(artifact))).mode & 0o777).toBe(0o600);
    expect(await s.exists(artifact)).toBe(true);
    await s.verify(artifact);
    // Re-archiving the same tree yields the same digest.
    expect((await s.archive(target, src.path)).digest).toBe(artifact.digest);
  });

  it("writes files and copies files in, detecting tampering on verify", async () => {
    const s = await newStorage();
    const key = { namespace: "ns", name: "repo" };
    const a = await s.writeFile(s.newArtifactFor("HelmRepository", key, "sha256:x", "index.yaml"), "apiVersion: v1\n");
    expect(a.digest).toBe(sha256("apiVersion: v1\n"));
    const streamed = await s.writeFile(
      s.newArtifactFor("HelmRepository", key, "r", "s.yaml"),
      Readable.from(["a", "b"]),
      0o644,
    );
    expect(await readFile(s.localPath(streamed), "utf8")).toBe("ab");
    expect((await stat(s.localPath(streamed))).mode & 0o777).toBe(0o644);

    const src = await tempDir();
    cleanups.push(src.remove);
    await writeFile(join(src.path, "chart.tgz"), "chart-bytes");
    const c = await s.copyFromPath(
      s.newArtifactFor("HelmChart", key, "1.0.0", "chart-1.0.0.tgz"),
      join(src.path, "chart.tgz"),
    );
    expect(c).toMatchObject({ digest: sha256("chart-bytes"), size: 11, revision: "1.0.0" });

    await writeFile(s.localPath(c), "tampered");
    await expect(s.verify(c)).rejects.toBeInstanceOf(ArtifactDigestMismatchError);
    await expect(s.verify({ path: c.path, digest: "" })).rejects.toThrow(/no digest/);
  });

  it("serialises concurrent writers of one artifact: the file is always one complete content", async () => {
    const s = await newStorage();
    const target = s.newArtifactFor("HelmChart", { namespace: "ns", name: "c" }, "1", "c.tgz");
    const contents = Array.from({ length: 20 }, (_, i) => `${String(i).repeat(50_000)}`);
    const results = await Promise.all(
      contents.map((c) => s.writeFile(target, Readable.from([c.slice(0, 25_000), c.slice(25_000)]))),
    );
    const final = await readFile(s.localPath(target), "utf8");
    expect(contents).toContain(final);
    expect(results.map((r) => r.digest)).toContain(sha256(final));
    // No temporary files are left behind.
    const { readdir } = await import("node:fs/promises");
    expect(await readdir(join(s.basePath, "helmchart/ns/c"))).toEqual(["c.tgz"]);
  });

  it("removes the temporary file when the source stream fails", async () => {
    const s = await newStorage();
    const target = s.newArtifactFor("HelmChart", { namespace: "ns", name: "c" }, "1", "c.tgz");
    const failing = new Readable({
      read() {
        this.destroy(new Error("boom"));
      },
    });
    await expect(s.writeFile(target, failing)).rejects.toThrow(/boom/);
    const { readdir } = await import("node:fs/promises");
    expect(await readdir(join(s.basePath, "helmchart/ns/c"))).toEqual([]);
  });

  it("points index.yaml at the digest-named index with a relative symlink", async () => {
    const s = await newStorage();
    const key = { namespace: "ns", name: "bitnami" };
    const a = await s.writeFile(s.newArtifactFor("HelmRepository", key, "sha256:1", "index-aaa.yaml"), "one");
    const url = await s.symlink(a, "index.yaml");
    expect(url).toBe("http://source-controller.flux-system.svc.cluster.local./helmrepository/ns/bitnami/index.yaml");
    const link = join(s.basePath, "helmrepository/ns/bitnami/index.yaml");
    expect(await readlink(link)).toBe("index-aaa.yaml");
    const b = await s.writeFile(s.newArtifactFor("HelmRepository", key, "sha256:2", "index-bbb.yaml"), "two");
    await s.symlink(b, "index.yaml");
    expect(await readFile(link, "utf8")).toBe("two");
    await expect(s.symlink(b, "../escape.yaml")).rejects.toBeInstanceOf(InvalidArtifactPathError);
  });

  it("garbage collects by TTL and record count, never the current artifact", async () => {
    const s = await newStorage({ ttl: 60_000, records: 2 });
    const key = { namespace: "ns", name: "repo" };
    const now = Date.now();
    const files: string[] = [];
    for (let i = 0; i < 5; i++) {
      const a = await s.writeFile(s.newArtifactFor("GitRepository", key, `r${i}`, `${i}.tar.gz`), `c${i}`);
      // Ages: 0 → 4 s old ... 4 → 0 s old (all within the TTL).
      const t = new Date(now - (4 - i) * 1000);
      await utimes(s.localPath(a), t, t);
      files.push(s.localPath(a));
    }
    const current = { path: artifactPath("GitRepository", "ns", "repo", "2.tar.gz") };
    // Keep the two newest records: the current one (2) and the newest other (4).
    expect(await s.garbageFiles(current, now)).toEqual([files[0], files[1], files[3]].sort());

    // With a long TTL passed, everything but the current artifact is expired.
    expect(await s.garbageFiles(current, now + 120_000)).toEqual([files[0], files[1], files[3], files[4]].sort());

    const deleted = await s.garbageCollect(current);
    expect(deleted.sort()).toEqual([files[0], files[1], files[3]].sort());
    expect(await s.exists(current)).toBe(true);
    expect(await s.exists({ path: artifactPath("GitRepository", "ns", "repo", "4.tar.gz") })).toBe(true);
  });

  it("keeps symlinks, deletes expired temp leftovers and spares fresh ones", async () => {
    const s = await newStorage({ ttl: 1000, records: 1 });
    const key = { namespace: "ns", name: "h" };
    const a = await s.writeFile(s.newArtifactFor("HelmRepository", key, "x", "index-a.yaml"), "a");
    await s.symlink(a, "index.yaml");
    const dir = join(s.basePath, "helmrepository/ns/h");
    await writeFile(join(dir, ".tmp-index-b.yaml-old"), "partial");
    await writeFile(join(dir, ".tmp-index-b.yaml-new"), "partial");
    const old = new Date(Date.now() - 10_000);
    await utimes(join(dir, ".tmp-index-b.yaml-old"), old, old);
    expect(await s.garbageCollect(a)).toEqual([join(dir, ".tmp-index-b.yaml-old")]);
    expect((await lstat(join(dir, "index.yaml"))).isSymbolicLink()).toBe(true);
  });

  it("removes an object's directory, and everything but the current artifact on request", async () => {
    const s = await newStorage();
    const key = { namespace: "ns", name: "gone" };
    const a = await s.writeFile(s.newArtifactFor("GitRepository", key, "1", "1.tar.gz"), "1");
    await s.writeFile(s.newArtifactFor("GitRepository", key, "2", "2.tar.gz"), "2");
    expect(await s.removeAllButCurrent(a)).toEqual([join(s.basePath, "gitrepository/ns/gone/2.tar.gz")]);
    expect(await s.removeObject("GitRepository", key)).toBe(join(s.basePath, "gitrepository/ns/gone"));
    expect(await s.exists(a)).toBe(false);
    expect(await s.removeObject("GitRepository", key)).toBeUndefined();
    await expect(s.removeAll({ path: "top.txt" })).rejects.toBeInstanceOf(InvalidArtifactPathError);
  });

  it("copies a sub-path of a stored archive into a checkout (GitRepository include)", async () => {
    const s = await newStorage();
    const src = await tempDir();
    const dest = await tempDir();
    cleanups.push(src.remove, dest.remove);
    await writeTree(src.path, { "deploy/app.yaml": "app", "deploy/sub/x.yaml": "x", "other.txt": "o" });
    const a = await s.archive(
      s.newArtifactFor("GitRepository", { namespace: "ns", name: "lib" }, "r", "r.tar.gz"),
      src.path,
    );

    await writeTree(dest.path, { "vendor/lib/stale.yaml": "old" });
    await s.copyToPath(a, "./deploy", join(dest.path, "vendor/lib"));
    expect(await readFile(join(dest.path, "vendor/lib/app.yaml"), "utf8")).toBe("app");
    expect(await readFile(join(dest.path, "vendor/lib/sub/x.yaml"), "utf8")).toBe("x");
    await expect(readFile(join(dest.path, "vendor/lib/stale.yaml"))).rejects.toThrow(/ENOENT/);

    await s.copyToPath(a, "", join(dest.path, "all"));
    expect(await readFile(join(dest.path, "all/other.txt"), "utf8")).toBe("o");

    await expect(s.copyToPath(a, "../../etc", join(dest.path, "evil"))).rejects.toThrow(/leaves/);
    await expect(s.copyToPath(a, "missing", join(dest.path, "m"))).rejects.toThrow(/failed to copy 'missing'/);
  });

  it("formats lastUpdateTime like metav1.Time", () => {
    expect(rfc3339Now(new Date("2024-05-06T07:08:09.123Z"))).toBe("2024-05-06T07:08:09Z");
  });
});
