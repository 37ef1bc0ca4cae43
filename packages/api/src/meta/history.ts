import { type Static, Type } from "@sinclair/typebox";
import { formatDuration } from "./duration.js";
import { StringMap } from "./schema-helpers.js";

// meta.History (fluxcd/pkg apis/meta): the newest reconciliations of a group of resources, most recent
// first, de-duplicated by digest and status. Kustomizations keep it in `status.history`.

/** The number of snapshots a history keeps. */
export const HISTORY_MAX_SIZE = 5;

/** One entry of a reconciliation history. */
export const HistorySnapshotSchema = Type.Object(
  {
    digest: Type.String({ description: "Checksum '<algo>:<hex>' of the reconciled resources." }),
    firstReconciled: Type.String({ format: "date-time", description: "When this digest was first reconciled." }),
    lastReconciled: Type.String({ format: "date-time", description: "When this digest was last reconciled." }),
    lastReconciledDuration: Type.String({ description: "How long the last reconciliation took (Go duration)." }),
    lastReconciledStatus: Type.String({ description: "Outcome (reason) of the last reconciliation." }),
    totalReconciliations: Type.Integer({ format: "int64", description: "How often this digest was reconciled." }),
    metadata: Type.Optional(StringMap({ description: "Extra facts about the snapshot, e.g. revision." })),
  },
  { description: "A record of the reconciliations of one set of resources." },
);
/** One reconciliation history entry. */
export type HistorySnapshot = Static<typeof HistorySnapshotSchema>;

/** `status.history`: the most recent snapshots, newest first. */
export function History() {
  return Type.Array(HistorySnapshotSchema, {
    description: "The latest reconciliations, most recent first, at most 5.",
  });
}

/** A reconciliation outcome to record with {@link upsertHistory}. */
export interface HistoryRecord {
  digest: string;
  /** When the reconciliation ended. */
  time: Date;
  durationMs: number;
  /** The outcome, e.g. `ReconciliationSucceeded` or `HealthCheckFailed`. */
  status: string;
  metadata?: Record<string, string>;
}

/** Formats a timestamp as metav1.Time marshals it: RFC 3339, UTC, whole seconds. */
export function formatMetaTime(time: Date): string {
  return time.toISOString().replace(/\.\d+Z$/, "Z");
}

/**
 * Records a reconciliation: the snapshot with the same digest and status is updated (last time,
 * duration, count, metadata) and moved to the front; otherwise a new one is added at the front.
 * The result keeps at most {@link HISTORY_MAX_SIZE} snapshots. The input is not modified.
 */
export function upsertHistory(
  history: readonly HistorySnapshot[] | undefined,
  record: HistoryRecord,
): HistorySnapshot[] {
  const now = formatMetaTime(record.time);
  const duration = formatDuration(Math.max(0, Math.round(record.durationMs)));
  const list = [...(history ?? [])];
  const at = list.findIndex((s) => s.digest === record.digest && s.lastReconciledStatus === record.status);
  let snapshot: HistorySnapshot;
  if (at >= 0) {
    const old = list[at] as HistorySnapshot;
    list.splice(at, 1);
    snapshot = {
      ...old,
      lastReconciled: now,
      lastReconciledDuration: duration,
      totalReconciliations: old.totalReconciliations + 1,
    };
    delete snapshot.metadata;
  } else {
    snapshot = {
      digest: record.digest,
      firstReconciled: now,
      lastReconciled: now,
      lastReconciledDuration: duration,
      lastReconciledStatus: record.status,
      totalReconciliations: 1,
    };
  }
  if (record.metadata !== undefined) snapshot.metadata = { ...record.metadata };
  return [snapshot, ...list].slice(0, HISTORY_MAX_SIZE);
}

/** The most recent snapshot, or undefined for an empty history. */
export function latestSnapshot(history: readonly HistorySnapshot[] | undefined): HistorySnapshot | undefined {
  return history?.[0];
}
