import type { UnstructuredObject } from "@sluice/runtime";
import { describe, expect, it } from "vitest";
import { celStatusReader, InvalidHealthCheckExprError } from "./cel-health.js";

const widget = (status: Record<string, unknown>, generation = 1): UnstructuredObject => ({
  apiVersion: "example.com/v1",
  kind: "Widget",
  metadata: { name: "w", namespace: "ns", generation },
  status,
});

const checks = [
  {
    apiVersion: "example.com/v1",
    kind: "Widget",
    current: "self.status.phase == 'Ready'",
    inProgress: "self.status.phase == 'Pending'",
    failed: "self.status.phase == 'Error'",
  },
];

describe("celStatusReader", () => {
  it.each([
    [{ phase: "Ready", observedGeneration: 1 }, "Current"],
    [{ phase: "Pending", observedGeneration: 1 }, "InProgress"],
    [{ phase: "Error", observedGeneration: 1 }, "Failed"],
    [{ phase: "Unknown", observedGeneration: 1 }, "InProgress"],
    [{ phase: "Ready", observedGeneration: 0 }, "InProgress"],
    [{}, "InProgress"],
  ])("status %j → %s", (status, expected) => {
    expect(celStatusReader(checks)(widget(status)).status).toBe(expected);
  });

  it("uses kstatus for kinds without expressions", () => {
    const reader = celStatusReader(checks);
    const cm: UnstructuredObject = { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "c" } };
    expect(reader(cm).status).toBe("Current");
  });

  it("refuses an expression that does not parse, naming the field", () => {
    expect(() => celStatusReader([{ apiVersion: "v1", current: "self.status ==" }])).toThrow(
      InvalidHealthCheckExprError,
    );
    expect(() => celStatusReader([{ apiVersion: "v1", current: "self.status ==" }])).toThrow(
      "healthCheckExprs[0].current",
    );
  });
});
