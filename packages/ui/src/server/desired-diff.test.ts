import type { UnstructuredObject } from "@sluice/runtime/kube";
import { describe, expect, it } from "vitest";
import { maskValues } from "./desired-diff.js";

function obj(kind: string, data: Record<string, string>): UnstructuredObject {
  return { apiVersion: "v1", kind, metadata: { name: "x", namespace: "n" }, data };
}

describe("maskValues", () => {
  it.each(["Secret", "ConfigMap"])("masks every %s value and marks the changed ones", (kind) => {
    const live = obj(kind, { same: "a", changed: "old", gone: "z" });
    const merged = obj(kind, { same: "a", changed: "new", added: "q" });
    maskValues(live, merged);
    expect(live["data"]).toEqual({ same: "*****", changed: "*****", gone: "*****" });
    expect(merged["data"]).toEqual({ same: "*****", changed: "***** (changed)", added: "*****" });
    expect(JSON.stringify([live, merged])).not.toMatch(/old|new|"a"|"q"|"z"/);
  });

  it("masks a created object's values", () => {
    const created = { ...obj("Secret", { password: "hunter2" }), stringData: { token: "t0k" } };
    maskValues(undefined, created);
    expect(JSON.stringify(created)).not.toMatch(/hunter2|t0k/);
  });

  it("leaves other kinds alone", () => {
    const live = { apiVersion: "apps/v1", kind: "Deployment", metadata: { name: "x" }, data: { a: "1" } };
    maskValues(live, undefined);
    expect(live.data).toEqual({ a: "1" });
  });
});
