import { describe, expect, it } from "vitest";
import {
  imagePolicyDigestReflection,
  imagePolicyIntervalMs,
  imageRepositoryExclusionList,
  imageRepositoryTimeoutMs,
} from "./image-defaults.js";

describe("image defaults in code", () => {
  it("times scans out at timeout, else interval, at least 1s", () => {
    expect(imageRepositoryTimeoutMs({ interval: "5m" })).toBe(300_000);
    expect(imageRepositoryTimeoutMs({ interval: "5m", timeout: "30s" })).toBe(30_000);
    expect(imageRepositoryTimeoutMs({ interval: "5m", timeout: "100ms" })).toBe(1000);
  });

  it("excludes signature tags unless told otherwise", () => {
    expect(imageRepositoryExclusionList({})).toEqual(["^.*\\.sig$"]);
    expect(imageRepositoryExclusionList({ exclusionList: [] })).toEqual(["^.*\\.sig$"]);
    expect(imageRepositoryExclusionList({ exclusionList: ["^dev-"] })).toEqual(["^dev-"]);
  });

  it("reflects digests only when asked, refreshing every 10m by default", () => {
    expect(imagePolicyDigestReflection({})).toBe("Never");
    expect(imagePolicyIntervalMs({})).toBe(0);
    expect(imagePolicyIntervalMs({ digestReflectionPolicy: "IfNotPresent" })).toBe(0);
    expect(imagePolicyIntervalMs({ digestReflectionPolicy: "Always" })).toBe(600_000);
    expect(imagePolicyIntervalMs({ digestReflectionPolicy: "Always", interval: "1h" })).toBe(3_600_000);
  });
});
