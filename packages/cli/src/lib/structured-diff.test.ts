import { describe, expect, it } from "vitest";
import { formatStructuredDiff, structuredDiff } from "./structured-diff.js";

describe("structuredDiff", () => {
  it("reports value changes, map entries and named list entries by path", () => {
    const live = {
      data: { a: "1", gone: "x" },
      spec: { containers: [{ name: "web", image: "nginx:1" }], ports: [80] },
    };
    const merged = {
      data: { a: "2", added: "y" },
      spec: {
        containers: [
          { name: "web", image: "nginx:2" },
          { name: "side", image: "busybox" },
        ],
        ports: [80, 443],
      },
    };
    expect(formatStructuredDiff(structuredDiff(live, merged))).toBe(
      [
        "",
        "data",
        "  - one map entry removed:",
        "    gone: x",
        "  + one map entry added:",
        "    added: y",
        "",
        "data.a",
        "  ± value change",
        "    - 1",
        "    + 2",
        "",
        "spec.containers",
        "  + one list entry added:",
        "    - name: side",
        "      image: busybox",
        "",
        "spec.containers.web.image",
        "  ± value change",
        "    - nginx:1",
        "    + nginx:2",
        "",
        "spec.ports",
        "  + one list entry added:",
        "    - 443",
        "",
        "",
      ].join("\n"),
    );
  });

  it("is empty for equal objects", () => {
    expect(structuredDiff({ a: [1, { b: 2 }] }, { a: [1, { b: 2 }] })).toEqual([]);
    expect(formatStructuredDiff([])).toBe("");
  });
});
