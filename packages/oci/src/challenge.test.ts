import { describe, expect, it } from "vitest";
import { parseChallenge } from "./challenge.js";

describe("parseChallenge", () => {
  it.each([
    [
      'Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:library/nginx:pull"',
      {
        scheme: "bearer",
        params: {
          realm: "https://auth.docker.io/token",
          service: "registry.docker.io",
          scope: "repository:library/nginx:pull",
        },
      },
    ],
    ['Basic realm="Registry Realm"', { scheme: "basic", params: { realm: "Registry Realm" } }],
    [
      "Bearer realm=https://x/token, service=reg",
      { scheme: "bearer", params: { realm: "https://x/token", service: "reg" } },
    ],
    ['Bearer realm="a\\"b"', { scheme: "bearer", params: { realm: 'a"b' } }],
  ])("parses %s", (header, expected) => {
    expect(parseChallenge(header)).toEqual(expected);
  });

  it("returns undefined without a header", () => {
    expect(parseChallenge(undefined)).toBeUndefined();
    expect(parseChallenge("")).toBeUndefined();
  });
});
