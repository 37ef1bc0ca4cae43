import { describe, expect, it } from "vitest";
import { builtinTypeOf } from "../schema/builtin-types.js";
import type { JsonObject } from "../util/json.js";
import { applyStrategicMergePatch } from "./strategic-merge-patch.js";

const deploy = builtinTypeOf("apps", "Deployment");

function pod(containers: JsonObject[], extra: JsonObject = {}): JsonObject {
  return { spec: { template: { spec: { containers, ...extra } } } };
}

describe("strategic merge patch", () => {
  it.each<[string, JsonObject, JsonObject, JsonObject]>([
    [
      "merges containers by name and env by name",
      pod([{ name: "a", image: "x", env: [{ name: "A", value: "1" }] }]),
      pod([{ name: "a", env: [{ name: "B", value: "2" }] }]),
      pod([
        {
          name: "a",
          image: "x",
          env: [
            { name: "A", value: "1" },
            { name: "B", value: "2" },
          ],
        },
      ]),
    ],
    [
      "deletes a list item with $patch: delete",
      pod([{ name: "a" }, { name: "b" }]),
      pod([{ name: "a", $patch: "delete" }]),
      pod([{ name: "b" }]),
    ],
    [
      "replaces a list with $patch: replace",
      pod([{ name: "a" }, { name: "b" }]),
      pod([{ $patch: "replace" }, { name: "c" }]),
      pod([{ name: "c" }]),
    ],
    [
      "orders by $setElementOrder",
      pod([{ name: "a" }, { name: "b" }]),
      {
        spec: {
          template: {
            spec: {
              "$setElementOrder/containers": [{ name: "b" }, { name: "a" }],
              containers: [{ name: "a", image: "y" }],
            },
          },
        },
      },
      pod([{ name: "b" }, { name: "a", image: "y" }]),
    ],
    [
      "replaces atomic lists (tolerations) and removes null fields",
      pod([{ name: "a", image: "x" }], { tolerations: [{ key: "k1" }] }),
      { spec: { template: { spec: { tolerations: [{ key: "k2" }], containers: [{ name: "a", image: null }] } } } },
      pod([{ name: "a" }], { tolerations: [{ key: "k2" }] }),
    ],
    [
      "keeps only $retainKeys of a strategy",
      { spec: { strategy: { type: "RollingUpdate", rollingUpdate: { maxSurge: 1 } } } },
      { spec: { strategy: { $retainKeys: ["type"], type: "Recreate" } } },
      { spec: { strategy: { type: "Recreate" } } },
    ],
    [
      "merges finalizers as a set and deletes from primitive lists",
      { metadata: { finalizers: ["a", "b"] } },
      { metadata: { finalizers: ["c"], "$deleteFromPrimitiveList/finalizers": ["a"] } },
      { metadata: { finalizers: ["b", "c"] } },
    ],
  ])("%s", (_name, original, patch, expected) => {
    expect(applyStrategicMergePatch(original, patch, deploy)).toEqual(expected);
  });
});
