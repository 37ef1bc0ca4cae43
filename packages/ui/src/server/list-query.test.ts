import { describe, expect, it } from "vitest";
import type { ObjectSummary } from "../shared/api.js";
import { countRows, MAX_PAGE, parseListQuery, queryRows } from "./list-query.js";

function row(kind: string, name: string, state: ObjectSummary["state"], created: string): ObjectSummary {
  return {
    id: `${kind}/ns/${name}`,
    kind,
    apiVersion: "v1",
    namespace: "ns",
    name,
    state,
    ready: "",
    reconciling: false,
    stalled: false,
    suspended: state === "Suspended",
    revision: `main@sha1:${name}`,
    message: `message of ${name}`,
    created,
    lastTransition: "",
    source: "",
  };
}

const rows = [
  row("Kustomization", "b", "Ready", "2026-01-02T00:00:00Z"),
  row("Kustomization", "a", "Failed", "2026-01-03T00:00:00Z"),
  row("GitRepository", "c", "Suspended", "2026-01-01T00:00:00Z"),
];

describe("overview queries", () => {
  it.each([
    ["sort=name", ["a", "b", "c"]],
    ["sort=name&desc=true", ["c", "b", "a"]],
    ["sort=state", ["a", "c", "b"]],
    ["sort=age", ["c", "b", "a"]],
    ["kind=Kustomization&sort=name", ["a", "b"]],
    ["state=Suspended", ["c"]],
    ["q=MESSAGE%20OF%20B", ["b"]],
    ["sort=name&offset=1&limit=1", ["b"]],
  ])("%s", (query, names) => {
    const { items } = queryRows(rows, parseListQuery(new URLSearchParams(query)));
    expect(items.map((r) => r.name)).toEqual(names);
  });

  it.each([
    ["sort=bogus", /sort "bogus"/],
    ["state=Green", /state "Green"/],
    ["offset=-1", /offset "-1"/],
  ])("refuses %s with a message naming the parameter", (query, message) => {
    expect(() => parseListQuery(new URLSearchParams(query))).toThrow(message);
  });

  it("caps the page size", () => {
    expect(parseListQuery(new URLSearchParams("limit=100000")).limit).toBe(MAX_PAGE);
  });

  it("counts by kind and state", () => {
    expect(countRows(rows)).toEqual({
      total: 3,
      byKind: { Kustomization: 2, GitRepository: 1 },
      byState: { Ready: 1, Failed: 1, Suspended: 1 },
      namespaces: ["ns"],
    });
  });
});
