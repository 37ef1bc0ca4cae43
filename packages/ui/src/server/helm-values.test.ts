import { describe, expect, it } from "vitest";
import { maskValuesFrom, targetPathSegments } from "./helm-values.js";

describe("targetPathSegments", () => {
  it("splits Helm --set paths with escaped dots and list indexes", () => {
    expect(targetPathSegments("a.b\\.c[1].d")).toEqual(["a", "b.c", 1, "d"]);
  });
});

describe("maskValuesFrom", () => {
  const hr = (valuesFrom: unknown[]) => ({ metadata: { namespace: "ns" }, spec: { values: { keep: 1 }, valuesFrom } });

  it("masks a target path whole and keeps the rest", async () => {
    const client = { getOptional: async () => undefined };
    const masked = await maskValuesFrom(client as never, hr([{ kind: "Secret", name: "s", targetPath: "db" }]), {
      keep: 1,
      db: { user: "u", password: "p" },
    });
    expect(masked).toEqual({ keep: 1, db: "*****" });
  });

  it("masks every value not from spec.values when the source cannot be read", async () => {
    const client = {
      getOptional: async () => {
        throw new Error("forbidden");
      },
    };
    const masked = await maskValuesFrom(client as never, hr([{ kind: "Secret", name: "s" }]), {
      keep: 1,
      token: "t",
      nested: { a: "b" },
    });
    expect(masked).toEqual({ keep: 1, token: "*****", nested: { a: "*****" } });
  });
});
