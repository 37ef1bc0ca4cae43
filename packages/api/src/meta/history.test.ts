import { describe, expect, it } from "vitest";
import { formatMetaTime, HISTORY_MAX_SIZE, type HistorySnapshot, latestSnapshot, upsertHistory } from "./history.js";

const t0 = new Date("2025-08-15T10:11:00.123Z");
const later = (s: number) => new Date(t0.getTime() + s * 1000);

describe("upsertHistory", () => {
  it("adds the first snapshot with the reconcile time, duration and count 1", () => {
    const h = upsertHistory(undefined, {
      digest: "sha256:aa",
      time: t0,
      durationMs: 2818,
      status: "ReconciliationSucceeded",
      metadata: { revision: "main@sha1:1" },
    });
    expect(h).toEqual([
      {
        digest: "sha256:aa",
        firstReconciled: "2025-08-15T10:11:00Z",
        lastReconciled: "2025-08-15T10:11:00Z",
        lastReconciledDuration: "2.818s",
        lastReconciledStatus: "ReconciliationSucceeded",
        totalReconciliations: 1,
        metadata: { revision: "main@sha1:1" },
      },
    ]);
  });

  it("updates the snapshot with the same digest and status and moves it to the front", () => {
    let h = upsertHistory([], { digest: "sha256:aa", time: t0, durationMs: 1000, status: "ReconciliationSucceeded" });
    h = upsertHistory(h, { digest: "sha256:bb", time: later(60), durationMs: 1000, status: "ReconciliationSucceeded" });
    const before = structuredClone(h);
    const next = upsertHistory(h, {
      digest: "sha256:aa",
      time: later(120),
      durationMs: 90_000,
      status: "ReconciliationSucceeded",
      metadata: { revision: "v2" },
    });
    expect(h).toEqual(before);
    expect(next.map((s) => s.digest)).toEqual(["sha256:aa", "sha256:bb"]);
    expect(next[0]).toMatchObject({
      firstReconciled: "2025-08-15T10:11:00Z",
      lastReconciled: "2025-08-15T10:13:00Z",
      lastReconciledDuration: "1m30s",
      totalReconciliations: 2,
      metadata: { revision: "v2" },
    });
  });

  it("keeps a separate snapshot when the same digest ends with another status", () => {
    let h = upsertHistory([], { digest: "sha256:aa", time: t0, durationMs: 10, status: "ReconciliationSucceeded" });
    h = upsertHistory(h, { digest: "sha256:aa", time: later(1), durationMs: 10, status: "HealthCheckFailed" });
    expect(h.map((s) => s.lastReconciledStatus)).toEqual(["HealthCheckFailed", "ReconciliationSucceeded"]);
  });

  it("drops metadata that the new record does not carry", () => {
    let h = upsertHistory([], { digest: "d", time: t0, durationMs: 1, status: "S", metadata: { a: "1" } });
    h = upsertHistory(h, { digest: "d", time: t0, durationMs: 1, status: "S" });
    expect(h[0]).not.toHaveProperty("metadata");
  });

  it(`keeps only the ${HISTORY_MAX_SIZE} newest snapshots`, () => {
    let h: HistorySnapshot[] = [];
    for (let i = 0; i < 8; i++) {
      h = upsertHistory(h, { digest: `sha256:${i}`, time: later(i), durationMs: 5, status: "ReconciliationSucceeded" });
    }
    expect(h.map((s) => s.digest)).toEqual(["sha256:7", "sha256:6", "sha256:5", "sha256:4", "sha256:3"]);
    expect(latestSnapshot(h)?.digest).toBe("sha256:7");
    expect(latestSnapshot([])).toBeUndefined();
  });

  it("formats times as metav1.Time does (whole seconds, UTC)", () => {
    expect(formatMetaTime(new Date("2024-01-02T03:04:05.999Z"))).toBe("2024-01-02T03:04:05Z");
  });
});
