import { describe, expect, it } from "vitest";
import {
  type DependencyReference,
  formatDependencyReference,
  parseDependencyReference,
} from "./dependency-reference.js";

describe("dependency shorthand", () => {
  it.each<[string, DependencyReference]>([
    ["app", { name: "app" }],
    ["ns/app", { namespace: "ns", name: "app" }],
    ["app@dep.status.ready", { name: "app", readyExpr: "dep.status.ready" }],
    [
      "ns/app@self.metadata.name == 'x' && dep.a/b",
      { namespace: "ns", name: "app", readyExpr: "self.metadata.name == 'x' && dep.a/b" },
    ],
  ])("round-trips %j", (text, dep) => {
    expect(parseDependencyReference(text)).toEqual(dep);
    expect(formatDependencyReference(dep)).toBe(text);
  });
});
