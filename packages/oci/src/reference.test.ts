import { describe, expect, it } from "vitest";
import { OciInputError } from "./errors.js";
import { isValidDigest, isValidTag, parseOciUrl } from "./reference.js";

describe("parseOciUrl", () => {
  it.each([
    ["oci://ghcr.io/stefanprodan/manifests/podinfo", "ghcr.io", "stefanprodan/manifests/podinfo"],
    ["oci://127.0.0.1:5000/app", "127.0.0.1:5000", "app"],
    ["oci://localhost:5000/org/app-name_x.y", "localhost:5000", "org/app-name_x.y"],
    ["oci://docker.io/nginx", "index.docker.io", "library/nginx"],
    ["oci://[::1]:5000/org/app", "[::1]:5000", "org/app"],
  ])("parses %s", (url, registry, repository) => {
    expect(parseOciUrl(url)).toEqual({ registry, repository });
  });

  it.each([
    ["https://ghcr.io/org/app", "URL must be in format 'oci://<domain>/<org>/<repo>'"],
    ["oci://ghcr.io", "URL must be in format 'oci://<domain>/<org>/<repo>'"],
    ["oci://ghcr.io/org/app:v1", "URL must not contain a tag; remove ':v1'"],
    ["oci://ghcr.io/org/app@sha256:abc", "URL must not contain a digest; remove '@sha256:abc'"],
    ["oci://ghcr.io/Org/App", "repository 'Org/App' must be lowercase alphanumeric"],
    ["oci://bad_host!/org/app", "registry 'bad_host!' is not a valid host[:port]"],
  ])("refuses %s", (url, message) => {
    expect(() => parseOciUrl(url)).toThrow(OciInputError);
    expect(() => parseOciUrl(url)).toThrow(message);
  });
});

describe("tags and digests", () => {
  it.each([
    ["v1.0.0", true],
    ["latest", true],
    ["1.0.0_build.1", true],
    ["-bad", false],
    ["a".repeat(129), false],
    ["with/slash", false],
  ])("isValidTag(%s) = %s", (tag, valid) => expect(isValidTag(tag)).toBe(valid));

  it.each([
    [`sha256:${"a".repeat(64)}`, true],
    [`sha256:${"A".repeat(64)}`, false],
    [`sha512:${"a".repeat(128)}`, false],
    ["sha256:abc", false],
  ])("isValidDigest(%s) = %s", (digest, valid) => expect(isValidDigest(digest)).toBe(valid));
});
