import { describe, expect, it } from "vitest";
import { credentialsFor, normalizeRegistryKey, parseDockerConfig } from "./credentials.js";

const b64 = (s: string) => Buffer.from(s).toString("base64");

describe("parseDockerConfig", () => {
  it("reads auth, username/password and identity tokens, keyed by host", () => {
    const auths = parseDockerConfig(
      JSON.stringify({
        auths: {
          "https://index.docker.io/v1/": { auth: b64("hub:pa:ss") },
          "ghcr.io": { username: "gh", password: "pw" },
          "myreg.example.com:5000": { identitytoken: "refresh" },
        },
      }),
      "secret 'ns/cred'",
    );
    expect(auths.get("index.docker.io")).toEqual({ username: "hub", password: "pa:ss" });
    expect(credentialsFor("ghcr.io", [auths])).toEqual({ username: "gh", password: "pw" });
    expect(credentialsFor("myreg.example.com:5000", [auths])).toEqual({ identityToken: "refresh" });
    expect(credentialsFor("docker.io", [auths])).toEqual({ username: "hub", password: "pa:ss" });
  });

  it("accepts the legacy .dockercfg map", () => {
    const auths = parseDockerConfig(JSON.stringify({ "quay.io": { auth: b64("q:p") } }), "x");
    expect(credentialsFor("quay.io", [auths])).toEqual({ username: "q", password: "p" });
  });

  it("takes the first config holding the host", () => {
    const a = parseDockerConfig(JSON.stringify({ auths: { "r.io": { username: "a", password: "1" } } }), "a");
    const b = parseDockerConfig(JSON.stringify({ auths: { "r.io": { username: "b", password: "2" } } }), "b");
    expect(credentialsFor("r.io", [a, b])).toEqual({ username: "a", password: "1" });
    expect(credentialsFor("other.io", [a, b])).toBeUndefined();
  });

  it.each([
    ["{", /secret 's': not valid JSON/],
    ["[1]", /secret 's': expected a JSON object/],
    [JSON.stringify({ auths: { "r.io": { auth: b64("nocolon") } } }), /secret 's': the 'auth' of 'r.io' is not base64/],
  ])("refuses %s", (json, message) => {
    expect(() => parseDockerConfig(json, "secret 's'")).toThrow(message);
  });
});

describe("normalizeRegistryKey", () => {
  it.each([
    ["https://index.docker.io/v1/", "index.docker.io"],
    ["registry-1.docker.io", "index.docker.io"],
    ["HTTP://Host:5000/path", "host:5000"],
    ["ghcr.io", "ghcr.io"],
  ])("%s → %s", (key, host) => expect(normalizeRegistryKey(key)).toBe(host));
});
