import { describe, expect, it } from "vitest";
import { secureJoin } from "./bucket-fetch.js";
import { parseEndpoint } from "./s3-client.js";

describe("secureJoin", () => {
  it.each([
    ["deploy/app.yaml", "/w/deploy/app.yaml"],
    ["../../etc/passwd", "/w/etc/passwd"],
    ["/abs/key", "/w/abs/key"],
    ["a/../../b", "/w/b"],
  ])("keeps object key %s inside the directory", (key, want) => {
    expect(secureJoin("/w", key)).toBe(want);
  });
});

describe("parseEndpoint", () => {
  it.each([
    ["minio.minio.svc:9000", false, { host: "minio.minio.svc", port: 9000 }],
    ["s3.amazonaws.com", false, { host: "s3.amazonaws.com", port: 443 }],
    ["127.0.0.1", true, { host: "127.0.0.1", port: 80 }],
    ["[::1]:9000", true, { host: "::1", port: 9000 }],
  ])("reads %s", (endpoint, insecure, want) => {
    expect(parseEndpoint(endpoint, insecure)).toEqual(want);
  });

  it("refuses a scheme or path as minio-go does", () => {
    expect(() => parseEndpoint("https://minio:9000", false)).toThrow("Endpoint url cannot have fully qualified paths.");
  });
});
