import { gzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { decodeRelease, encodeRelease, releaseDigest } from "./release-storage.js";

const doc = {
  name: "web",
  namespace: "apps",
  version: 3,
  info: { status: "deployed", first_deployed: "2026-01-01T00:00:00Z", last_deployed: "2026-01-02T00:00:00Z" },
  chart: { metadata: { name: "podinfo", version: "1.0.0", appVersion: "6.0.0" } },
  config: { replicaCount: 2 },
};

describe("Helm release storage records", () => {
  it("decodes base64(gzip(JSON)) as Helm writes it, keeping the raw JSON for the digest", () => {
    const json = JSON.stringify(doc);
    const release = decodeRelease(gzipSync(Buffer.from(json)).toString("base64"));
    expect(release).toMatchObject(doc);
    expect(release.raw).toBe(json);
    expect(releaseDigest(release)).toMatch(/^sha256:[0-9a-f]{64}$/);
  });

  it("decodes records stored without gzip", () => {
    expect(decodeRelease(Buffer.from(JSON.stringify(doc)).toString("base64")).version).toBe(3);
  });

  it("round-trips through encodeRelease", () => {
    const json = JSON.stringify(doc);
    expect(decodeRelease(encodeRelease(json)).raw).toBe(json);
  });
});
