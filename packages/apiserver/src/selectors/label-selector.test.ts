import { describe, expect, it } from "vitest";
import { ApiError } from "../errors.js";
import { matchesLabels, parseLabelSelector } from "./label-selector.js";

describe("label selectors", () => {
  it.each<[string, Record<string, string>, boolean]>([
    ["app=web", { app: "web" }, true],
    ["app==web", { app: "db" }, false],
    ["app!=web", {}, true],
    ["tier in (front, back)", { tier: "back" }, true],
    ["tier notin (front)", { tier: "front" }, false],
    ["tier notin (front)", {}, true],
    ["app", { app: "" }, true],
    ["!app", { app: "x" }, false],
    ["app=web,tier in (a,b),!legacy", { app: "web", tier: "a" }, true],
    ["example.com/role=x", { "example.com/role": "x" }, true],
  ])("%s matches %j: %s", (sel, labels, want) => {
    expect(matchesLabels(parseLabelSelector(sel), labels)).toBe(want);
  });

  it("rejects malformed selectors with 400", () => {
    expect(() => parseLabelSelector("app=we b")).toThrow(ApiError);
    expect(() => parseLabelSelector("-bad=x")).toThrow(/invalid label key/);
  });
});
