import type { ApiObject } from "@sluice/runtime";
import { describe, expect, it } from "vitest";
import { eventually, type ObjectReader, waitForObject } from "./wait.js";

describe("eventually", () => {
  it("returns the first value that is neither undefined nor false", async () => {
    let n = 0;
    await expect(eventually("three probes", () => (++n >= 3 ? n : undefined), { intervalMs: 1 })).resolves.toBe(3);
  });

  it("fails naming what was awaited and the last error seen", async () => {
    const probe = () => {
      throw new Error("connection refused");
    };
    await expect(eventually("the server", probe, { timeoutMs: 20, intervalMs: 5 })).rejects.toThrow(
      'timed out waiting for the server; last: "connection refused"',
    );
  });
});

describe("waitForObject", () => {
  const ref = { apiVersion: "v1", kind: "ConfigMap", namespace: "ns", name: "cm" };

  it("returns the object once the check accepts it", async () => {
    let reads = 0;
    const client = { getOptional: async <T>() => ({ metadata: {}, status: { n: ++reads } }) as unknown as T };
    type Counted = ApiObject & { status: { n: number } };
    const obj = await waitForObject<Counted>(client as unknown as ObjectReader, ref, (o) => o.status.n === 2, "n=2", {
      intervalMs: 1,
    });
    expect(obj.status.n).toBe(2);
  });

  it("fails with the kind, name, what was awaited and the last status", async () => {
    const client = { getOptional: async <T>() => ({ metadata: {}, status: { phase: "Pending" } }) as unknown as T };
    await expect(
      waitForObject(client as unknown as ObjectReader, ref, () => false, "Ready", { timeoutMs: 10, intervalMs: 2 }),
    ).rejects.toThrow('timed out waiting for ConfigMap cm: Ready; status: {"phase":"Pending"}');
  });
});
