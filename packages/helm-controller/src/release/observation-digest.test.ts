import { describe, expect, it } from "vitest";
import { storedRelease, testHook } from "../../test/support/releases.js";
import { observationDigest } from "./observation-digest.js";

const raw = (doc: unknown) => ({ raw: JSON.stringify(doc) });

describe("observationDigest", () => {
  it("matches helm-controller's digest of an observation that only has a name", () => {
    expect(observationDigest(raw({ name: "foo" }))).toBe(
      "sha256:f1498f27a16a09cd7e1ee610d924df065c03d30035638babc95dd9a8d412ce4d",
    );
  });

  it("leaves test hooks and their runs out, so running tests keeps the digest", () => {
    const before = storedRelease({ hooks: [testHook("t", "")] });
    const after = storedRelease({ hooks: [testHook("t", "Succeeded")] });
    const none = storedRelease();
    expect(observationDigest(after)).toBe(observationDigest(before));
    expect(observationDigest(after)).toBe(observationDigest(none));
  });

  it("drops what Go would omit when re-encoding: zero times, empty config", () => {
    const helm3 = {
      name: "a",
      info: {
        first_deployed: "2025-01-01T00:00:00Z",
        last_deployed: "2025-01-01T00:00:00Z",
        deleted: "",
        status: "deployed",
      },
      config: {},
      version: 1,
    };
    const helm4 = {
      name: "a",
      info: { first_deployed: "2025-01-01T00:00:00Z", last_deployed: "2025-01-01T00:00:00Z", status: "deployed" },
      version: 1,
    };
    expect(observationDigest(raw(helm3))).toBe(observationDigest(raw(helm4)));
  });

  it("changes with the release, its hooks other than tests, and the OCI digest", () => {
    const base = storedRelease();
    expect(observationDigest(storedRelease({ config: { a: 1 } }))).not.toBe(observationDigest(base));
    expect(observationDigest(storedRelease({ status: "superseded" }))).not.toBe(observationDigest(base));
    const hook = { ...testHook("pre", "Succeeded"), events: ["pre-install"] };
    expect(observationDigest(storedRelease({ hooks: [hook] }))).not.toBe(observationDigest(base));
    expect(observationDigest(base, "sha256:abc")).not.toBe(observationDigest(base));
  });
});
