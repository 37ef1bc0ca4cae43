import type { Condition } from "@sluice/api";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import {
  type ConditionInput,
  deleteCondition,
  formatTimestamp,
  getCondition,
  isReady,
  isReconciling,
  isStalled,
  isUnknown,
  markFalse,
  markReconciling,
  markStalled,
  markTrue,
  markUnknown,
  type ObjectWithConditions,
  setCondition,
  trimConditionMessage,
} from "./object-conditions.js";

const T0 = new Date("2024-05-01T10:00:00.123Z");
const T1 = new Date("2024-05-01T10:05:00.999Z");

function obj(generation: number, conditions?: Condition[]): ObjectWithConditions {
  return { metadata: { generation }, status: conditions ? { conditions } : {} };
}

describe("setCondition transitions", () => {
  beforeEach(() => {
    vi.useFakeTimers();
    vi.setSystemTime(T0);
  });
  afterEach(() => vi.useRealTimers());

  const before: ConditionInput = { type: "Ready", status: "False", reason: "Progressing", message: "working" };
  it.each([
    {
      name: "same status, new reason and message keeps lastTransitionTime",
      next: { type: "Ready", status: "False", reason: "Failed", message: "boom" },
      moved: false,
    },
    {
      name: "status change moves lastTransitionTime",
      next: { type: "Ready", status: "True", reason: "Succeeded", message: "ok" },
      moved: true,
    },
    {
      name: "False to Unknown moves lastTransitionTime",
      next: { type: "Ready", status: "Unknown", reason: "Progressing", message: "working" },
      moved: true,
    },
    { name: "identical condition keeps lastTransitionTime", next: before, moved: false },
  ] satisfies Array<{ name: string; next: ConditionInput; moved: boolean }>)("$name", ({ next, moved }) => {
    const o = obj(1);
    setCondition(o, before);
    expect(getCondition(o, "Ready")?.lastTransitionTime).toBe("2024-05-01T10:00:00Z");
    o.metadata.generation = 2;
    vi.setSystemTime(T1);
    setCondition(o, next);
    const c = getCondition(o, "Ready");
    expect(c).toMatchObject({ ...next, observedGeneration: 2 });
    expect(c?.lastTransitionTime).toBe(moved ? "2024-05-01T10:05:00Z" : "2024-05-01T10:00:00Z");
    expect(o.status?.conditions).toHaveLength(1);
  });

  it("creates status and conditions when missing and leaves observedGeneration out without a generation", () => {
    const o: ObjectWithConditions = { metadata: {} };
    markTrue(o, "ArtifactInStorage", "Succeeded", "stored");
    expect(o.status?.conditions).toEqual([
      {
        type: "ArtifactInStorage",
        status: "True",
        reason: "Succeeded",
        message: "stored",
        lastTransitionTime: "2024-05-01T10:00:00Z",
      },
    ]);
  });

  it("keeps Flux's order: Stalled, Reconciling, Ready, then newest generation, then type", () => {
    const o = obj(3);
    markTrue(o, "SourceVerified", "Succeeded", "");
    markTrue(o, "ArtifactInStorage", "Succeeded", "");
    markFalse(o, "Ready", "Failed", "");
    markTrue(o, "Reconciling", "Progressing", "");
    o.metadata.generation = 4;
    markTrue(o, "Zeta", "Succeeded", "");
    markTrue(o, "Stalled", "InvalidURL", "");
    expect(o.status?.conditions?.map((c) => c.type)).toEqual([
      "Stalled",
      "Reconciling",
      "Ready",
      "Zeta",
      "ArtifactInStorage",
      "SourceVerified",
    ]);
  });

  it("markReconciling drops Stalled and markStalled drops Reconciling", () => {
    const o = obj(1);
    markStalled(o, "InvalidURL", "bad url");
    expect(isStalled(o)).toBe(true);
    markReconciling(o, "Progressing", "reconciling new object generation (2)");
    expect(isStalled(o)).toBe(false);
    expect(isReconciling(o)).toBe(true);
    markStalled(o, "InvalidURL", "bad url");
    expect(isReconciling(o)).toBe(false);
    expect(o.status?.conditions?.map((c) => c.type)).toEqual(["Stalled"]);
  });

  it("deletes conditions and answers queries", () => {
    const o = obj(1);
    markUnknown(o, "Ready", "Progressing", "");
    expect(isUnknown(o, "Ready")).toBe(true);
    expect(isUnknown(o, "Missing")).toBe(true);
    expect(isReady(o)).toBe(false);
    deleteCondition(o, "Ready");
    deleteCondition(o, "Ready");
    expect(o.status?.conditions).toEqual([]);
  });

  it("trims messages to the CRD limit", () => {
    const o = obj(1);
    markFalse(o, "Ready", "Failed", "x".repeat(40_000));
    const message = getCondition(o, "Ready")?.message ?? "";
    expect(message).toHaveLength(32768);
    expect(message.endsWith("...")).toBe(true);
    expect(trimConditionMessage("short")).toBe("short");
  });

  it("formats timestamps as RFC 3339 seconds in UTC", () => {
    expect(formatTimestamp(new Date("2024-01-02T03:04:05.678+02:00"))).toBe("2024-01-02T01:04:05Z");
  });
});
