import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { type LoopbackServer, startLoopbackServer } from "../../test/support/loopback-server.js";
import { rawTar } from "../../test/support/raw-tar.js";
import { ArtifactCache } from "./artifact-cache.js";
import { digestOf, parseDigest } from "./digest.js";
import {
  ArchiveLimitError,
  ArtifactDownloadError,
  ArtifactNotFoundError,
  DigestMismatchError,
  InvalidDigestError,
  UnsafeArchiveError,
} from "./errors.js";
import { fetchArtifact } from "./fetch-artifact.js";
import { artifactHostFromEnv, overrideArtifactHost } from "./host-override.js";

const good = rawTar([
  { path: "./", type: "5" },
  { path: "./deploy/", type: "5" },
  { path: "./deploy/app.yaml", body: "apiVersion: v1\nkind: ConfigMap\n" },
]);
const evil = rawTar([{ path: "../escape.txt", body: "x" }]);

/** Per-path scripted answers: a status list consumed one per request, then 200 with the archive. */
const script = new Map<string, { failures: number[]; body: Buffer; hang?: boolean }>();
let server: LoopbackServer;
let tmp: string;
const fast = { retryWaitMinMs: 5, retryWaitMaxMs: 20 };

beforeAll(async () => {
  server = await startLoopbackServer((req, res) => {
    const entry = script.get(req.url);
    if (!entry) {
      res.statusCode = 404;
      res.end("not found");
      return;
    }
    if (entry.hang) return; // never answers: the client must time out
    const failure = entry.failures.shift();
    if (failure !== undefined) {
      res.statusCode = failure;
      if (failure === 429) res.setHeader("retry-after", "0");
      res.end("busy");
      return;
    }
    res.setHeader("content-type", "application/gzip");
    res.end(entry.body);
  });
});

afterAll(async () => {
  await server.close();
});

beforeEach(async () => {
  script.clear();
  server.requests.length = 0;
  tmp = await mkdtemp(join(tmpdir(), "fetch-artifact-test-"));
  return () => rm(tmp, { recursive: true, force: true });
});

const requestsTo = (path: string) => server.requests.filter((r) => r.url === path).length;

describe("fetchArtifact", () => {
  it("downloads, verifies and extracts an artifact into a fresh directory", async () => {
    script.set("/gitrepository/default/podinfo/abc.tar.gz", { failures: [], body: good });
    const fetched = await fetchArtifact(`${server.url}/gitrepository/default/podinfo/abc.tar.gz`, digestOf(good), {
      tmpDir: tmp,
    });
    expect(await readFile(join(fetched.dir, "deploy/app.yaml"), "utf8")).toBe("apiVersion: v1\nkind: ConfigMap\n");
    expect(fetched).toMatchObject({ digest: digestOf(good), archiveBytes: good.length, attempts: 1 });
    // only the extracted dir is left in the temp parent: the downloaded archive is gone
    expect(await readdir(tmp)).toEqual([fetched.dir.slice(tmp.length + 1)]);
  });

  it.each(["sha384", "sha512", "blake3"] as const)("verifies %s digests", async (algorithm) => {
    script.set("/a.tar.gz", { failures: [], body: good });
    const digest = digestOf(good, algorithm);
    expect(parseDigest(digest).algorithm).toBe(algorithm);
    const upperHex = `${algorithm}:${parseDigest(digest).hex.toUpperCase()}`;
    const fetched = await fetchArtifact(`${server.url}/a.tar.gz`, upperHex, { tmpDir: tmp });
    expect(fetched.digest).toBe(digest);
  });

  it("rejects a digest mismatch and leaves nothing on disk", async () => {
    script.set("/a.tar.gz", { failures: [], body: good });
    const wrong = digestOf(Buffer.from("something else"));
    const err = await fetchArtifact(`${server.url}/a.tar.gz`, wrong, { tmpDir: tmp }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DigestMismatchError);
    expect((err as DigestMismatchError).actual).toBe(digestOf(good));
    expect(await readdir(tmp)).toEqual([]);
  });

  it("rejects malformed and unsupported digests before any request", async () => {
    await expect(fetchArtifact(`${server.url}/a.tar.gz`, "md5:abcd", { tmpDir: tmp })).rejects.toBeInstanceOf(
      InvalidDigestError,
    );
    await expect(fetchArtifact(`${server.url}/a.tar.gz`, "sha256:1234", { tmpDir: tmp })).rejects.toThrow(/64 hex/);
    await expect(fetchArtifact(`${server.url}/a.tar.gz`, "", { tmpDir: tmp })).rejects.toThrow(/empty digest/);
    expect(server.requests).toHaveLength(0);
  });

  it("retries 5xx and 429 answers with backoff, then succeeds", async () => {
    script.set("/a.tar.gz", { failures: [503, 500, 429], body: good });
    const fetched = await fetchArtifact(`${server.url}/a.tar.gz`, digestOf(good), { ...fast, tmpDir: tmp });
    expect(fetched.attempts).toBe(4);
    expect(requestsTo("/a.tar.gz")).toBe(4);
  });

  it("gives up after the configured retries with the last status", async () => {
    script.set("/a.tar.gz", { failures: [502, 502, 502, 502], body: good });
    const err = await fetchArtifact(`${server.url}/a.tar.gz`, digestOf(good), {
      ...fast,
      retries: 2,
      tmpDir: tmp,
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ArtifactDownloadError);
    expect((err as ArtifactDownloadError).status).toBe(502);
    expect((err as Error).message).toMatch(/giving up after 3 attempts: HTTP 502/);
    expect(requestsTo("/a.tar.gz")).toBe(3);
  });

  it("fails at once on 404 and on non-retryable statuses", async () => {
    await expect(
      fetchArtifact(`${server.url}/gone.tar.gz`, digestOf(good), { ...fast, tmpDir: tmp }),
    ).rejects.toBeInstanceOf(ArtifactNotFoundError);
    expect(requestsTo("/gone.tar.gz")).toBe(1);
    script.set("/forbidden.tar.gz", { failures: [403], body: good });
    await expect(
      fetchArtifact(`${server.url}/forbidden.tar.gz`, digestOf(good), { ...fast, tmpDir: tmp }),
    ).rejects.toMatchObject({ status: 403 });
    expect(requestsTo("/forbidden.tar.gz")).toBe(1);
  });

  it("times out an attempt that gets no answer and retries it", async () => {
    script.set("/slow.tar.gz", { failures: [], body: good, hang: true });
    const err = await fetchArtifact(`${server.url}/slow.tar.gz`, digestOf(good), {
      ...fast,
      retries: 1,
      timeoutMs: 100,
      tmpDir: tmp,
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ArtifactDownloadError);
    expect((err as Error).message).toMatch(/timed out after 100 ms/);
    expect(requestsTo("/slow.tar.gz")).toBe(2);
  });

  it("caps the download size", async () => {
    script.set("/a.tar.gz", { failures: [], body: good });
    await expect(
      fetchArtifact(`${server.url}/a.tar.gz`, digestOf(good), { maxDownloadBytes: good.length - 1, tmpDir: tmp }),
    ).rejects.toBeInstanceOf(ArchiveLimitError);
    expect(await readdir(tmp)).toEqual([]);
  });

  it("refuses a malicious archive whose digest matches", async () => {
    script.set("/evil.tar.gz", { failures: [], body: evil });
    await expect(fetchArtifact(`${server.url}/evil.tar.gz`, digestOf(evil), { tmpDir: tmp })).rejects.toBeInstanceOf(
      UnsafeArchiveError,
    );
    expect(await readdir(tmp)).toEqual([]);
  });

  it("reaches the artifact server through the SOURCE_CONTROLLER_LOCALHOST host override", async () => {
    script.set("/gitrepository/flux-system/app/x.tar.gz", { failures: [], body: good });
    const inCluster = "http://source-controller.flux-system.svc.cluster.local./gitrepository/flux-system/app/x.tar.gz";
    const host = artifactHostFromEnv({ SOURCE_CONTROLLER_LOCALHOST: `127.0.0.1:${server.port}` });
    const fetched = await fetchArtifact(inCluster, digestOf(good), { hostOverride: host, tmpDir: tmp });
    expect(await readdir(join(fetched.dir, "deploy"))).toEqual(["app.yaml"]);
    expect(overrideArtifactHost(inCluster, undefined)).toBe(inCluster);
    expect(artifactHostFromEnv({})).toBeUndefined();
  });
});

describe("ArtifactCache", () => {
  it("shares one download between concurrent acquisitions and re-uses it afterwards", async () => {
    script.set("/a.tar.gz", { failures: [], body: good });
    const cache = new ArtifactCache({ tmpDir: tmp });
    const [a, b] = await Promise.all([
      cache.acquire(`${server.url}/a.tar.gz`, digestOf(good)),
      cache.acquire(`${server.url}/a.tar.gz`, digestOf(good)),
    ]);
    expect(a.dir).toBe(b.dir);
    expect(requestsTo("/a.tar.gz")).toBe(1);
    await a.release();
    await b.release();
    const c = await cache.acquire(`${server.url}/a.tar.gz`, digestOf(good));
    expect(c.cached).toBe(true);
    expect(c.dir).toBe(a.dir);
    expect(requestsTo("/a.tar.gz")).toBe(1);
    expect(cache.stats()).toMatchObject({ entries: 1, hits: 2, misses: 1, evictions: 0 });
    await c.release();
    await cache.clear();
    expect(await readdir(tmp)).toEqual([]);
  });

  it("evicts the least recently used unleased extraction past maxEntries, never a leased one", async () => {
    const other = rawTar([{ path: "b.txt", body: "b" }]);
    const third = rawTar([{ path: "c.txt", body: "c" }]);
    script.set("/a.tar.gz", { failures: [], body: good });
    script.set("/b.tar.gz", { failures: [], body: other });
    script.set("/c.tar.gz", { failures: [], body: third });
    const cache = new ArtifactCache({ tmpDir: tmp, maxEntries: 1 });
    const a = await cache.acquire(`${server.url}/a.tar.gz`, digestOf(good));
    const b = await cache.acquire(`${server.url}/b.tar.gz`, digestOf(other));
    // both leased: over budget but nothing evicted
    expect(cache.stats()).toMatchObject({ entries: 2, evictions: 0 });
    expect(await readFile(join(a.dir, "deploy/app.yaml"), "utf8")).toContain("ConfigMap");
    await a.release();
    expect(cache.stats()).toMatchObject({ entries: 1, evictions: 1 });
    await b.release();
    const c = await cache.acquire(`${server.url}/c.tar.gz`, digestOf(third));
    expect(cache.stats()).toMatchObject({ entries: 1, evictions: 2 });
    const again = await cache.acquire(`${server.url}/a.tar.gz`, digestOf(good));
    expect(again.cached).toBe(false);
    expect(requestsTo("/a.tar.gz")).toBe(2);
    await c.release();
    await again.release();
    await cache.clear();
  });

  it("a caller's signal ends only its own wait, not the download other callers share", async () => {
    script.set("/slow.tar.gz", { failures: [], body: good, hang: true });
    const shutdown = new AbortController();
    const cache = new ArtifactCache({ tmpDir: tmp, retries: 0, signal: shutdown.signal });
    const caller = new AbortController();
    const url = `${server.url}/slow.tar.gz`;
    const waiting = cache.acquire(url, digestOf(good), { signal: caller.signal });
    const other = cache.acquire(url, digestOf(good));
    const otherState = other.then(
      () => "settled",
      () => "settled",
    );
    while (requestsTo("/slow.tar.gz") === 0) await new Promise((r) => setTimeout(r, 10));
    caller.abort(new Error("run canceled"));
    await expect(waiting).rejects.toThrow("run canceled");
    const pending = new Promise((r) => setTimeout(() => r("pending"), 100));
    expect(await Promise.race([otherState, pending])).toBe("pending");
    expect(requestsTo("/slow.tar.gz")).toBe(1);
    shutdown.abort(new Error("shutting down"));
    await expect(other).rejects.toBeDefined();
    await cache.clear();
  });

  it("does not cache a failed fetch", async () => {
    script.set("/a.tar.gz", { failures: [500], body: good });
    const cache = new ArtifactCache({ tmpDir: tmp, retries: 0 });
    await expect(cache.acquire(`${server.url}/a.tar.gz`, digestOf(good))).rejects.toBeInstanceOf(ArtifactDownloadError);
    const lease = await cache.acquire(`${server.url}/a.tar.gz`, digestOf(good));
    expect(lease.cached).toBe(false);
    expect(cache.stats()).toMatchObject({ entries: 1, misses: 2 });
    await lease.release();
    await cache.clear();
  });
});
