import { describe, expect, it } from "vitest";
import { builtinTypeOf } from "../schema/builtin-types.js";
import { struct } from "../schema/type-node.js";
import type { KubeObject } from "../util/meta.js";
import { applyConfig, capUpdateManagers, trackUpdate } from "./field-manager.js";
import { FieldSet, formatPath } from "./field-set.js";
import { toFieldSet } from "./typed-ops.js";

const deployType = builtinTypeOf("apps", "Deployment");

describe("fieldsV1", () => {
  it("round-trips the structured-merge-diff serialization with '.' first and keys after fields", () => {
    const v1 = {
      "f:metadata": { "f:labels": { ".": {}, "f:app": {} } },
      "f:spec": {
        "f:template": {
          "f:spec": {
            "f:containers": {
              'k:{"name":"web"}': {
                ".": {},
                "f:image": {},
                "f:name": {},
                "f:ports": { 'k:{"containerPort":80,"protocol":"TCP"}': { ".": {}, "f:containerPort": {} } },
              },
            },
          },
        },
      },
    };
    const set = FieldSet.fromFieldsV1(v1);
    expect(set.toFieldsV1()).toEqual(v1);
    expect(JSON.stringify(set.toFieldsV1())).toBe(JSON.stringify(v1));
    expect(set.has(["f:metadata", "f:labels"])).toBe(true);
    expect(set.has(["f:metadata"])).toBe(false);
  });

  it.each([
    [["f:spec", "f:replicas"], ".spec.replicas"],
    [["f:spec", "f:containers", 'k:{"name":"web"}', "f:image"], '.spec.containers[name="web"].image'],
    [["f:metadata", "f:finalizers", 'v:"a/b"'], '.metadata.finalizers[="a/b"]'],
    [["f:args", "i:2"], ".args[2]"],
  ])("formats %j as %s", (path, text) => {
    expect(formatPath(path)).toBe(text);
  });

  it("records list-map items with their keys when applying", () => {
    const set = toFieldSet(
      {
        spec: {
          template: {
            spec: { containers: [{ name: "web", image: "nginx", ports: [{ containerPort: 80, protocol: "TCP" }] }] },
          },
        },
      },
      deployType,
    );
    expect(set.toFieldsV1()).toEqual({
      "f:spec": {
        "f:template": {
          "f:spec": {
            "f:containers": {
              'k:{"name":"web"}': {
                ".": {},
                "f:image": {},
                "f:name": {},
                "f:ports": {
                  'k:{"containerPort":80,"protocol":"TCP"}': { ".": {}, "f:containerPort": {}, "f:protocol": {} },
                },
              },
            },
          },
        },
      },
    });
  });
});

describe("field ownership", () => {
  const writer = (manager: string) => ({
    manager,
    apiVersion: "v1",
    type: builtinTypeOf("", "ConfigMap"),
    hasStatus: false,
  });

  it("gives an updater the fields it added or changed, taking them from other managers", () => {
    const v1: KubeObject = { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "c" }, data: { a: "1", b: "2" } };
    trackUpdate(undefined, v1, writer("creator"));
    const v2: KubeObject = { ...v1, metadata: { ...v1.metadata }, data: { a: "1", b: "3", c: "4" } };
    trackUpdate(v1, v2, writer("editor"));
    const byManager = Object.fromEntries(
      (v2.metadata["managedFields"] as { manager: string; fieldsV1: unknown }[]).map((m) => [m.manager, m.fieldsV1]),
    );
    expect(byManager).toEqual({
      creator: { "f:data": { ".": {}, "f:a": {} } },
      editor: { "f:data": { "f:b": {}, "f:c": {} } },
    });
  });

  it("shares fields applied with equal values, conflicts on different ones, and prunes dropped fields", () => {
    const live = { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "c" }, data: { a: "1" } };
    const first = applyConfig(
      live,
      { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "c" }, data: { a: "1", b: "2" } },
      writer("one"),
      false,
      false,
    );
    const shared = applyConfig(
      first,
      { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "c" }, data: { a: "1" } },
      writer("two"),
      false,
      true,
    );
    expect((shared.metadata["managedFields"] as unknown[]).length).toBe(2);
    expect(() =>
      applyConfig(
        shared,
        { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "c" }, data: { a: "9" } },
        writer("two"),
        false,
        true,
      ),
    ).toThrow('Apply failed with 1 conflict: conflict with "one": .data.a');
    // "one" stops applying b and a: b goes (nobody else owns it), a stays (two still owns it).
    const pruned = applyConfig(
      shared,
      { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "c" } },
      writer("one"),
      false,
      true,
    );
    expect(pruned["data"]).toEqual({ a: "1" });
  });
});

describe("pruning structs", () => {
  // spec.chart is a struct whose `spec.reconcileStrategy` the API server defaults (nobody owns it);
  // spec.values is a map.
  const scalar = { kind: "scalar" } as const;
  const type = struct({
    metadata: struct({ labels: { kind: "map", additional: scalar } }),
    spec: struct({
      chart: struct({ spec: struct({ chart: scalar, version: scalar, reconcileStrategy: scalar }) }),
      chartRef: struct({ kind: scalar, name: scalar }),
      values: { kind: "map" },
    }),
  });
  const writerOf = (manager: string) => ({ manager, apiVersion: "x/v1", type, hasStatus: true });
  const obj = (spec: Record<string, unknown>) =>
    ({ apiVersion: "x/v1", kind: "R", metadata: { name: "r", labels: { a: "1" } }, spec }) as KubeObject;

  it("drops a struct the manager stops applying as a whole, defaulted fields inside it included", () => {
    const first = applyConfig(
      obj({}),
      obj({ chart: { spec: { chart: "c", version: "1" } } }),
      writerOf("k"),
      false,
      false,
    );
    (first["spec"] as { chart: { spec: Record<string, unknown> } }).chart.spec["reconcileStrategy"] = "ChartVersion";
    const switched = applyConfig(first, obj({ chartRef: { kind: "K", name: "n" } }), writerOf("k"), false, true);
    expect(switched["spec"]).toEqual({ chartRef: { kind: "K", name: "n" } });
    expect(switched.metadata["labels"]).toEqual({ a: "1" });
  });

  it("keeps what another manager owns inside a dropped struct, and map keys stay reached by their own members", () => {
    const first = applyConfig(
      obj({}),
      obj({ chart: { spec: { chart: "c", version: "1" } }, values: { x: 1, y: 2 } }),
      writerOf("k"),
      false,
      false,
    );
    const shared = applyConfig(first, obj({ chart: { spec: { version: "1" } } }), writerOf("other"), false, true);
    const after = applyConfig(shared, obj({ values: { x: 1 } }), writerOf("k"), false, true);
    expect(after["spec"]).toEqual({ chart: { spec: { version: "1" } }, values: { x: 1 } });
  });
});

describe("update manager cap", () => {
  it("merges the oldest Update entries into ancient-changes beyond ten", () => {
    const entries = Array.from({ length: 12 }, (_, i) => ({
      manager: `m${i}`,
      operation: "Update" as const,
      apiVersion: "v1",
      time: new Date(Date.UTC(2024, 0, 1, 0, 0, i)).toISOString().replace(/\.\d{3}Z$/, "Z"),
      set: FieldSet.fromFieldsV1({ "f:data": { [`f:k${i}`]: {} } }),
    }));
    const capped = capUpdateManagers(entries);
    expect(capped.filter((e) => e.operation === "Update")).toHaveLength(10);
    const ancient = capped.find((e) => e.manager === "ancient-changes")!;
    expect(ancient.set.toFieldsV1()).toEqual({ "f:data": { "f:k0": {}, "f:k1": {}, "f:k2": {} } });
    expect(capped.map((e) => e.manager)).not.toContain("m0");
    expect(capped.map((e) => e.manager)).toContain("m3");
  });
});
