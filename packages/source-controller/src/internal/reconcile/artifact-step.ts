// Pieces of the source and artifact steps that every source kind words the same way (Flux's messages):
// the temporary working directory, "building artifact" progress, storing, and the up-to-date trace.

import { mkdtemp, rm } from "node:fs/promises";
import { join } from "node:path";
import { Reason, SourceCondition, SourceReason } from "@sluice/api";
import { deleteCondition, markTrue } from "@sluice/runtime/conditions";
import { errorMessage } from "@sluice/runtime/errors";
import type { ReconcileRun } from "@sluice/runtime/reconcile";
import { progressiveStatus } from "./progressive-status.js";
import { type SourceObject, storageFailed } from "./source-steps.js";

/**
 * A temporary directory `<parent>/<prefix>…` removed when the steps end (StorageOperationFailed
 * DirCreationFailed when it can't be made).
 */
export async function workDirectory(run: ReconcileRun<SourceObject, unknown>, parent: string, prefix: string) {
  let dir: string;
  try {
    dir = await mkdtemp(join(parent, prefix));
  } catch (err: unknown) {
    throw storageFailed(
      run.obj,
      SourceReason.DirCreationFailed,
      `failed to create temporary working directory: ${errorMessage(err)}`,
      err,
    );
  }
  run.defer(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

/**
 * Progress towards a new artifact, persisted at once: ArtifactOutdated `reason` when `outdated` (an artifact
 * or include is stored), and Reconciling/Ready Unknown "building artifact: <message>".
 */
export async function markBuilding(
  run: ReconcileRun<SourceObject, unknown>,
  message: string,
  outdated: boolean,
  reason: string = SourceReason.NewRevision,
): Promise<void> {
  if (outdated) markTrue(run.obj, SourceCondition.ArtifactOutdated, reason, message);
  progressiveStatus(true, run.obj, Reason.Progressing, `building artifact: ${message}`);
  await run.patch();
}

/** ArtifactInStorage True (ArtifactOutdated removed). */
export function markStored(obj: SourceObject, message: string, reason: string = Reason.Succeeded): void {
  deleteCondition(obj, SourceCondition.ArtifactOutdated);
  markTrue(obj, SourceCondition.ArtifactInStorage, reason, message);
}

/** The log line and trace event of a run that found the stored artifact current. */
export function reportUpToDate(run: ReconcileRun<SourceObject, unknown>, revision: string): void {
  const message = `artifact up-to-date with remote revision: '${revision}'`;
  run.log.info(message);
  run.event("trace", SourceReason.ArtifactUpToDate, message);
}

/** Runs `store`; a failure is StorageOperationFailed ArchiveOperationFailed "unable to <what> to storage: …". */
export async function storeArtifact<A>(obj: SourceObject, what: string, store: () => Promise<A>): Promise<A> {
  try {
    return await store();
  } catch (err: unknown) {
    throw storageFailed(
      obj,
      SourceReason.ArchiveOperationFailed,
      `unable to ${what} to storage: ${errorMessage(err)}`,
      err,
    );
  }
}

/** Sets `status[key]` to `value`, or removes the field when `value` is undefined (an `observed…` field). */
export function setOrDelete<S extends object, K extends keyof S>(status: S, key: K, value: S[K] | undefined): void {
  if (value === undefined) delete status[key];
  else status[key] = value;
}
