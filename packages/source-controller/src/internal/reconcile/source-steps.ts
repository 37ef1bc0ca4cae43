// The reconcile steps every source kind shares (Flux's source-controller runs the same ones for each kind):
// progress marking, the stored-artifact check, garbage collection, storage removal and the success events.
// The runtime's StepReconciler runs them; kind-specific steps stay in each kind's reconciler.

import { type Artifact, Reason, SourceCondition, type SourceKind } from "@sluice/api";
import { deleteCondition, getCondition, isTrue, markTrue, type ObjectWithConditions } from "@sluice/runtime/conditions";
import { errorMessage, GenericReconcileError } from "@sluice/runtime/errors";
import type { ReconcileRun } from "@sluice/runtime/reconcile";
import type { PatchableObject } from "@sluice/runtime/status";
import type { ArtifactStorage } from "../storage/index.js";
import { progressiveStatus } from "./progressive-status.js";

/** The status fields the shared steps read and write. */
export interface SourceStatusFields {
  artifact?: Artifact | undefined;
  observedGeneration?: number | undefined;
  lastHandledReconcileAt?: string | undefined;
}

/** A source object as the shared steps see it. */
export type SourceObject = PatchableObject &
  ObjectWithConditions & {
    metadata: { name?: string | undefined; namespace?: string | undefined; generation?: number | undefined };
    status?: SourceStatusFields | undefined;
  };

/** Marks FetchFailed=True and returns the generic (retried) error to throw. */
export function fetchFailed(obj: SourceObject, reason: string, message: string, cause: unknown): GenericReconcileError {
  const e = new GenericReconcileError(reason, message, { cause });
  markTrue(obj, SourceCondition.FetchFailed, e.reason, e.message);
  return e;
}

/** Marks StorageOperationFailed=True and returns the generic (retried) error to throw. */
export function storageFailed(
  obj: SourceObject,
  reason: string,
  message: string,
  cause: unknown,
): GenericReconcileError {
  const e = new GenericReconcileError(reason, message, { cause });
  markTrue(obj, SourceCondition.StorageOperationFailed, e.reason, e.message);
  return e;
}

/**
 * The first step of every source kind (Flux's preamble of `reconcile`): marks the run as in progress (Ready
 * Unknown unless already False), and persists it right away when the generation is new or a reconcile was
 * requested, so observers see the object is being worked on.
 */
export async function reportProgress<T extends SourceObject>(run: ReconcileRun<T, unknown>): Promise<void> {
  const obj = run.obj;
  progressiveStatus(false, obj, Reason.Progressing, "reconciliation in progress");
  if (run.newGeneration) {
    const observed = obj.status?.observedGeneration ?? 0;
    const generation = obj.metadata.generation ?? 0;
    progressiveStatus(false, obj, Reason.Progressing, `processing object: new generation ${observed} -> ${generation}`);
    await run.patch();
  } else if (run.reconcileRequested) {
    await run.patch();
  }
}

/** The steps that need the artifact storage. */
export class SourceSteps {
  constructor(private readonly storage: ArtifactStorage) {}

  /**
   * The storage step (Flux's reconcileStorage): drops a stored artifact that vanished or no longer matches
   * its digest (ArtifactVerificationFailed event), calling `onDropped` so kind-specific fields go with it;
   * without an artifact marks Reconciling "building artifact" and persists it. Returns true when a stored
   * artifact remains (its URL made current).
   */
  async reconcileStorage<T extends SourceObject>(
    run: ReconcileRun<T, unknown>,
    onDropped: (status: NonNullable<T["status"]>) => void = () => {},
  ): Promise<boolean> {
    const obj = run.obj;
    const status = (obj.status ?? {}) as NonNullable<T["status"]>;
    let missing = false;
    if (status.artifact) {
      if (!(await this.storage.exists(status.artifact))) {
        missing = true;
      } else {
        try {
          await this.storage.verify(status.artifact);
        } catch (err: unknown) {
          run.event(
            "error",
            "ArtifactVerificationFailed",
            `failed to verify integrity of artifact: ${errorMessage(err)}`,
          );
          await this.storage.remove(status.artifact);
          missing = true;
        }
      }
      if (missing) {
        delete status.artifact;
        onDropped(status);
      }
      obj.status = status;
    }
    if (!status.artifact) {
      progressiveStatus(
        true,
        obj,
        Reason.Progressing,
        missing ? "building artifact: disappeared from storage" : "building artifact",
      );
      deleteCondition(obj, SourceCondition.ArtifactInStorage);
      await run.patch();
      return false;
    }
    status.artifact = this.storage.withCurrentUrl(status.artifact);
    return true;
  }

  /**
   * The success event of a run (Flux's `notify`): NewArtifact for a new digest, or Succeeded when one of
   * `failConditions` was True before and none is present now (a recovery); `message` names the artifact.
   */
  announceArtifact<T extends SourceObject>(
    run: ReconcileRun<T, unknown>,
    message: (artifact: Artifact) => string,
    failConditions: readonly string[],
  ): void {
    const { obj, old, log } = run;
    const artifact = obj.status?.artifact;
    if (!artifact) return;
    const metadata = { revision: artifact.revision, digest: artifact.digest };
    const text = message(artifact);
    if (old.status?.artifact?.digest !== artifact.digest) {
      log.info({ revision: artifact.revision }, text);
      run.event("info", "NewArtifact", text, metadata);
      return;
    }
    const failedBefore = failConditions.some((t) => isTrue(old, t));
    const failedNow = failConditions.some((t) => getCondition(obj, t) !== undefined);
    if (failedBefore && !failedNow) {
      log.info({ revision: artifact.revision }, text);
      run.event("info", Reason.Succeeded, text, metadata);
    }
  }

  /** Removes the object's whole storage directory (GarbageCollectionFailed on failure). */
  async removeObjectStorage<T extends SourceObject>(
    run: Pick<ReconcileRun<T, unknown>, "obj" | "log" | "event">,
    kind: (typeof SourceKind)[keyof typeof SourceKind],
  ): Promise<void> {
    const obj = run.obj;
    let removed: string | undefined;
    try {
      removed = await this.storage.removeObject(kind, {
        namespace: obj.metadata.namespace ?? "",
        name: obj.metadata.name ?? "",
      });
    } catch (err: unknown) {
      throw new GenericReconcileError(
        "GarbageCollectionFailed",
        `garbage collection for deleted resource failed: ${errorMessage(err)}`,
        { cause: err },
      );
    }
    if (removed !== undefined) {
      run.log.info("garbage collected artifacts for deleted resource");
      run.event("trace", "GarbageCollectionSucceeded", "garbage collected artifacts for deleted resource");
    }
  }

  /** Removes old artifacts of the object beyond the retention TTL and record count (failures are logged). */
  async garbageCollect<T extends SourceObject>(run: ReconcileRun<T, unknown>): Promise<void> {
    const { obj, log } = run;
    const artifact = obj.status?.artifact;
    if (!artifact) return;
    try {
      const deleted = await this.storage.garbageCollect(artifact);
      if (deleted.length > 0) {
        const message = `garbage collected ${deleted.length} artifacts`;
        log.info(message);
        run.event("trace", "GarbageCollectionSucceeded", message);
      }
    } catch (err: unknown) {
      log.error({ error: err }, "garbage collection of artifacts failed");
    }
  }
}
