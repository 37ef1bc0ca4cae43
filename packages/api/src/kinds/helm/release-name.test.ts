import { describe, expect, it } from "vitest";
import { defaultReleaseName, MAX_RELEASE_NAME_LENGTH, shortenReleaseName } from "./release-name.js";

describe("shortenReleaseName", () => {
  // The vectors of helm-controller's internal/release/name_test.go.
  it.each([
    ["release-name", "release-name"],
    [
      "release-name-with-very-long-name-which-is-longer-than-53-characters",
      "release-name-with-very-long-name-which-i-788ca0d0d7b0",
    ],
    [
      "another-release-name-with-very-long-name-which-is-longer-than-53-characters",
      "another-release-name-with-very-long-name-7e72150d5a36",
    ],
    ["", ""],
  ])("shortens %j to %j", (name, expected) => {
    const got = shortenReleaseName(name);
    expect(got).toBe(expected);
    expect(got.length).toBeLessThanOrEqual(MAX_RELEASE_NAME_LENGTH);
  });

  it("keeps a name of exactly 53 characters", () => {
    const name = "a".repeat(53);
    expect(shortenReleaseName(name)).toBe(name);
    expect(shortenReleaseName(`${name}b`)).toMatch(/^a{40}-[0-9a-f]{12}$/);
  });
});

describe("defaultReleaseName", () => {
  it.each([
    ["the object name", { metadata: { name: "podinfo" }, spec: {} }, "podinfo"],
    ["targetNamespace-name", { metadata: { name: "podinfo" }, spec: { targetNamespace: "apps" } }, "apps-podinfo"],
    [
      "spec.releaseName first",
      { metadata: { name: "podinfo" }, spec: { releaseName: "web", targetNamespace: "apps" } },
      "web",
    ],
    [
      "a shortened long composition",
      {
        metadata: { name: "with-very-long-name-which-is-longer-than-53-characters" },
        spec: { targetNamespace: "release-name" },
      },
      "release-name-with-very-long-name-which-i-788ca0d0d7b0",
    ],
  ])("uses %s", (_name, hr, expected) => {
    expect(defaultReleaseName(hr)).toBe(expected);
  });
});
