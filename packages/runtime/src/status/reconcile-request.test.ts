import { describe, expect, it } from "vitest";
import { markReconcileRequestHandled, reconcileRequestedAt } from "./reconcile-request.js";

describe("reconcile requests", () => {
  it("mirrors requestedAt into status.lastHandledReconcileAt", () => {
    const obj = {
      apiVersion: "source.toolkit.fluxcd.io/v1",
      kind: "GitRepository",
      metadata: { name: "r", annotations: { "reconcile.fluxcd.io/requestedAt": "2024-05-01T10:00:00Z" } },
      status: { observedGeneration: 1 },
    };
    expect(reconcileRequestedAt(obj)).toBe("2024-05-01T10:00:00Z");
    markReconcileRequestHandled(obj);
    expect(obj.status).toEqual({ observedGeneration: 1, lastHandledReconcileAt: "2024-05-01T10:00:00Z" });
  });

  it("does nothing without the annotation", () => {
    const obj = { apiVersion: "v1", kind: "X", metadata: { name: "r" } };
    markReconcileRequestHandled(obj);
    expect(obj).not.toHaveProperty("status");
  });
});
