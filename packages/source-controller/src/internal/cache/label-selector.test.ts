import { describe, expect, it } from "vitest";
import { InvalidLabelSelectorError, validateLabelSelector } from "./label-selector.js";

describe("validateLabelSelector", () => {
  it.each([
    "sharding.fluxcd.io/shard=shard1",
    "sharding.fluxcd.io/shard==shard1",
    "sharding.fluxcd.io/shard!=shard1",
    "!sharding.fluxcd.io/shard",
    "sharding.fluxcd.io/shard",
    "sharding.fluxcd.io/shard in (shard1, shard2)",
    "sharding.fluxcd.io/shard notin (shard1)",
    "env=prod,tier in (web,api),!canary",
    "app.kubernetes.io/name=",
    "priority>3",
  ])("accepts %s", (selector) => {
    expect(validateLabelSelector(` ${selector} `)).toBe(selector);
  });

  it.each(["", "=x", "a=b=c", "a in x", "a in (b", "Bad Key=x", "a=b,", "a=-x"])("refuses %j", (selector) => {
    expect(() => validateLabelSelector(selector)).toThrow(InvalidLabelSelectorError);
  });
});
