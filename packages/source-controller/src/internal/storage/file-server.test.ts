import { mkdir, symlink, writeFile } from "node:fs/promises";
import { request } from "node:http";
import { join } from "node:path";
import { tempDir } from "@sluice/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ArtifactFileServer, parseRange, requestSegments } from "./file-server.js";

interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

let port = 0;
let server: ArtifactFileServer;
let cleanup: () => Promise<void>;
const content = Buffer.from("0123456789abcdefghij");

/** Raw request (no URL normalisation by a client library). */
function get(path: string, headers: Record<string, string> = {}, method = "GET"): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request({ host: "127.0.0.1", port, path, method, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
      res.on("error", reject);
    });
    req.on("error", reject);
    req.end();
  });
}

beforeAll(async () => {
  const dir = await tempDir("sc-fileserver-");
  cleanup = dir.remove;
  const root = join(dir.path, "data");
  await mkdir(join(root, "gitrepository/ns/repo"), { recursive: true });
  await mkdir(join(root, "helmrepository/ns/h"), { recursive: true });
  await writeFile(join(root, "gitrepository/ns/repo/abc.tar.gz"), content);
  await writeFile(join(root, "gitrepository/ns/repo/with space.txt"), "spaced");
  await writeFile(join(root, "helmrepository/ns/h/index-1.yaml"), "entries: {}\n");
  await symlink("index-1.yaml", join(root, "helmrepository/ns/h/index.yaml"));
  await writeFile(join(dir.path, "secret.txt"), "top secret");
  await symlink(join(dir.path, "secret.txt"), join(root, "gitrepository/ns/repo/escape.txt"));
  await symlink("../../../../secret.txt", join(root, "gitrepository/ns/repo/escape-rel.txt"));
  await writeFile(join(root, "empty.txt"), "");
  server = new ArtifactFileServer({ root });
  port = (await server.listen("127.0.0.1:0")).port;
});

afterAll(async () => {
  await server.close();
  await cleanup();
});

describe("ArtifactFileServer", () => {
  it("serves a file with length, type, ETag and Last-Modified", async () => {
    const r = await get("/gitrepository/ns/repo/abc.tar.gz");
    expect(r.status).toBe(200);
    expect(r.body.equals(content)).toBe(true);
    expect(r.headers["content-length"]).toBe(String(content.length));
    expect(r.headers["content-type"]).toBe("application/gzip");
    expect(r.headers["accept-ranges"]).toBe("bytes");
    expect(r.headers.etag).toMatch(/^"[0-9a-f]+-[0-9a-f]+-[0-9a-f]+"$/);
    expect(Date.parse(String(r.headers["last-modified"]))).not.toBeNaN();
  });

  it("answers HEAD with headers only", async () => {
    const r = await get("/gitrepository/ns/repo/abc.tar.gz", {}, "HEAD");
    expect(r.status).toBe(200);
    expect(r.headers["content-length"]).toBe(String(content.length));
    expect(r.body.length).toBe(0);
  });

  it("honours conditional requests", async () => {
    const first = await get("/gitrepository/ns/repo/abc.tar.gz");
    const etag = String(first.headers.etag);
    expect((await get("/gitrepository/ns/repo/abc.tar.gz", { "If-None-Match": etag })).status).toBe(304);
    expect((await get("/gitrepository/ns/repo/abc.tar.gz", { "If-None-Match": '"other"' })).status).toBe(200);
    const lm = String(first.headers["last-modified"]);
    expect((await get("/gitrepository/ns/repo/abc.tar.gz", { "If-Modified-Since": lm })).status).toBe(304);
  });

  it.each([
    ["bytes=0-3", 206, "0123", "bytes 0-3/20"],
    ["bytes=10-", 206, "abcdefghij", "bytes 10-19/20"],
    ["bytes=-5", 206, "fghij", "bytes 15-19/20"],
    ["bytes=15-100", 206, "fghij", "bytes 15-19/20"],
  ])("serves Range %s as %i", async (range, status, body, contentRange) => {
    const r = await get("/gitrepository/ns/repo/abc.tar.gz", { Range: range });
    expect(r.status).toBe(status);
    expect(r.body.toString()).toBe(body);
    expect(r.headers["content-range"]).toBe(contentRange);
    expect(r.headers["content-length"]).toBe(String(body.length));
  });

  it("rejects unsatisfiable ranges with 416 and ignores multi-ranges and stale If-Range", async () => {
    const r = await get("/gitrepository/ns/repo/abc.tar.gz", { Range: "bytes=50-60" });
    expect(r.status).toBe(416);
    expect(r.headers["content-range"]).toBe("bytes */20");
    const multi = await get("/gitrepository/ns/repo/abc.tar.gz", { Range: "bytes=0-1,5-6" });
    expect(multi.status).toBe(200);
    expect(multi.body.length).toBe(20);
    const stale = await get("/gitrepository/ns/repo/abc.tar.gz", { Range: "bytes=0-1", "If-Range": '"stale"' });
    expect(stale.status).toBe(200);
  });

  it("follows symlinks inside the root (index.yaml) and decodes escaped names", async () => {
    const r = await get("/helmrepository/ns/h/index.yaml");
    expect(r.status).toBe(200);
    expect(r.body.toString()).toBe("entries: {}\n");
    expect(r.headers["content-type"]).toBe("application/yaml");
    expect((await get("/gitrepository/ns/repo/with%20space.txt")).body.toString()).toBe("spaced");
    const empty = await get("/empty.txt");
    expect(empty.status).toBe(200);
    expect(empty.headers["content-length"]).toBe("0");
  });

  it.each([
    ["/", 404],
    ["/gitrepository/ns/repo", 404],
    ["/gitrepository/ns/repo/", 404],
    ["/gitrepository/ns/repo/missing.tar.gz", 404],
    ["/gitrepository/ns/repo/abc.tar.gz/x", 404],
    ["/gitrepository/ns/repo/escape.txt", 404],
    ["/gitrepository/ns/repo/escape-rel.txt", 404],
    ["/../secret.txt", 400],
    ["/gitrepository/../../secret.txt", 400],
    ["/%2e%2e/secret.txt", 400],
    ["/gitrepository/%2E%2E/%2e%2e/secret.txt", 400],
    ["/gitrepository%2f..%2f..%2fsecret.txt", 400],
    ["/..%5csecret.txt", 400],
    ["/%zz", 400],
    ["/a%00b", 400],
  ])("refuses %s with %i and never leaks outside the root", async (path, status) => {
    const r = await get(path);
    expect(r.status).toBe(status);
    expect(r.body.toString()).not.toContain("top secret");
    expect(r.body.toString()).not.toContain("abc.tar.gz");
  });

  it("rejects methods other than GET and HEAD", async () => {
    const r = await get("/gitrepository/ns/repo/abc.tar.gz", {}, "DELETE");
    expect(r.status).toBe(405);
    expect(r.headers.allow).toBe("GET, HEAD");
  });
});

describe("requestSegments and parseRange", () => {
  it("decodes paths and ignores the query", () => {
    expect(requestSegments("/a/./b%20c/?x=1")).toEqual(["a", "b c"]);
    expect(requestSegments("relative")).toBeNull();
  });
  it("parses single byte ranges", () => {
    expect(parseRange("bytes=-0", 10)).toBe("unsatisfiable");
    expect(parseRange("bytes=5-2", 10)).toBeUndefined();
    expect(parseRange("items=0-1", 10)).toBeUndefined();
    expect(parseRange("bytes=-20", 10)).toEqual({ start: 0, end: 9 });
  });
});
