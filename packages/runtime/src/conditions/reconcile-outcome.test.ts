import { describe, expect, it } from "vitest";
import { GenericReconcileError, StallingError, WaitingError } from "../errors/reconcile-errors.js";
import { getCondition, markFalse, markReconciling, markTrue, type ObjectWithConditions } from "./object-conditions.js";
import { finalizeConditions } from "./reconcile-outcome.js";
import type { ReadySummary } from "./summarize.js";

const ready: ReadySummary = {
  summarize: ["FetchFailed", "ArtifactInStorage", "Stalled", "Reconciling"],
  negativePolarity: ["FetchFailed", "Stalled", "Reconciling"],
};

function fresh(): ObjectWithConditions {
  const o: ObjectWithConditions = { metadata: { generation: 2 } };
  markReconciling(o, "Progressing", "reconciling new object generation (2)");
  return o;
}

describe("finalizeConditions", () => {
  it("a complete run drops Reconciling, marks Ready=True and the generation observed", () => {
    const o = fresh();
    markTrue(o, "ArtifactInStorage", "Succeeded", "stored artifact");
    const out = finalizeConditions(o, { complete: true }, ready);
    expect(out).toEqual({ observedGeneration: true, error: undefined });
    expect(o.status?.conditions?.map((c) => [c.type, c.status, c.reason])).toEqual([
      ["Ready", "True", "Succeeded"],
      ["ArtifactInStorage", "True", "Succeeded"],
    ]);
  });

  it("a generic error keeps Reconciling as ProgressingWithRetry and Ready=False with the failure", () => {
    const o = fresh();
    markTrue(o, "FetchFailed", "GitOperationFailed", "failed to checkout: connection refused");
    const err = new GenericReconcileError("GitOperationFailed", "failed to checkout: connection refused");
    const out = finalizeConditions(o, { error: err, complete: true }, ready);
    expect(out).toEqual({ observedGeneration: false, error: err });
    expect(getCondition(o, "Reconciling")?.reason).toBe("ProgressingWithRetry");
    expect(getCondition(o, "Ready")).toMatchObject({ status: "False", reason: "GitOperationFailed" });
  });

  it("a stalling error marks Stalled, drops Reconciling, observes the generation and is passed on", () => {
    const o = fresh();
    const err = new StallingError("InvalidURL", "spec.url: unsupported scheme 'ftp'");
    const out = finalizeConditions(o, { error: err, complete: false }, ready);
    expect(out).toEqual({ observedGeneration: true, error: err });
    expect(getCondition(o, "Reconciling")).toBeUndefined();
    expect(getCondition(o, "Stalled")).toMatchObject({ status: "True", reason: "InvalidURL" });
    expect(getCondition(o, "Ready")).toMatchObject({ status: "False", reason: "InvalidURL" });
  });

  it("a waiting error clears Stalled and does not observe the generation", () => {
    const o: ObjectWithConditions = { metadata: { generation: 3 } };
    markTrue(o, "Stalled", "InvalidURL", "old");
    markFalse(o, "ArtifactInStorage", "DependencyNotReady", "source not ready");
    const err = new WaitingError("DependencyNotReady", "source not ready", 30_000);
    const out = finalizeConditions(o, { error: err, complete: false }, ready);
    expect(out).toEqual({ observedGeneration: false, error: err });
    expect(getCondition(o, "Stalled")).toBeUndefined();
    expect(getCondition(o, "Ready")).toMatchObject({ status: "False", reason: "DependencyNotReady" });
  });

  it("a complete run that leaves Ready not True returns an error so it is retried", () => {
    const o = fresh();
    markFalse(o, "ArtifactInStorage", "ArtifactFailed", "artifact missing");
    const out = finalizeConditions(o, { complete: true }, ready);
    expect(out.error).toBeInstanceOf(Error);
    expect((out.error as Error).message).toBe("artifact missing");
  });

  it("an incomplete run without error does not observe the generation", () => {
    const o = fresh();
    markTrue(o, "ArtifactInStorage", "Succeeded", "stored");
    const out = finalizeConditions(o, { complete: false }, ready);
    expect(out).toEqual({ observedGeneration: false, error: undefined });
    expect(getCondition(o, "Reconciling")?.reason).toBe("ProgressingWithRetry");
  });
});
