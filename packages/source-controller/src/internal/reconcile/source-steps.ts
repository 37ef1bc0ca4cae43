// The reconcile steps every source kind shares (Flux's source-controller runs the same ones for each kind):
// progress marking, the stored-artifact check, garbage collection, storage removal and the success events.
// The runtime's StepReconciler runs them; kind-specific steps stay in each kind's reconciler.

import { posix } from "node:path";
import { type Artifact, Reason, SourceCondition, type SourceKind, SourceReason } from "@sluice/api";
import { deleteCondition, getCondition, isTrue, markTrue, type ObjectWithConditions } from "@sluice/runtime/conditions";
import { errorMessage, GenericReconcileError, StallingError } from "@sluice/runtime/errors";
import type { ReconcileRun } from "@sluice/runtime/reconcile";
import type { PatchableObject } from "@sluice/runtime/status";
import type { ArtifactStorage, ArtifactTarget } from "../storage/index.js";
import { progressiveStatus } from "./progressive-status.js";

/** The link next to the artifacts of most kinds (HelmRepository's is `index.yaml`) that `status.url` points at. */
export const LATEST_LINK = "latest.tar.gz";

/** A source kind's name (`Bucket`, `GitRepository`, …). */
export type SourceKindName = (typeof SourceKind)[keyof typeof SourceKind];

/** The status fields the shared steps read and write. */
export interface SourceStatusFields {
  artifact?: Artifact | undefined;
  /** The URL of the kind's link next to the artifact (`latest.tar.gz`, `index.yaml`), where it has one. */
  url?: string | undefined;
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

/** Marks FetchFailed=True and returns the stalling error (no retry until the object changes) to throw. */
export function fetchStalled(obj: SourceObject, reason: string, message: string, cause?: unknown): StallingError {
  const e = new StallingError(reason, message, cause === undefined ? undefined : { cause });
  markTrue(obj, SourceCondition.FetchFailed, e.reason, e.message);
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
   * its digest (ArtifactVerificationFailed event); without an artifact marks Reconciling "building artifact"
   * and persists it. A kept artifact's URL follows the advertised address; for a kind with a `link` next to
   * its artifacts, so does `status.url`, which goes with a dropped artifact.
   */
  async reconcileStorage<T extends SourceObject>(run: ReconcileRun<T, unknown>, link?: string): Promise<void> {
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
        if (link !== undefined) delete status.url;
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
      return;
    }
    status.artifact = this.storage.withCurrentUrl(status.artifact);
    if (link !== undefined && status.url) {
      status.url = this.storage.urlFor(posix.join(posix.dirname(status.artifact.path), link));
    }
  }

  /**
   * The success event of a run (Flux's `notify`): NewArtifact for a new digest, or Succeeded when one of
   * `failConditions` was True before and none is present now (a recovery); `message` names the artifact.
   * A kind with its own reasons (HelmChart's ChartPullSucceeded/ChartPackageSucceeded) passes them.
   */
  announceArtifact<T extends SourceObject>(
    run: ReconcileRun<T, unknown>,
    message: (artifact: Artifact) => string,
    failConditions: readonly string[],
    reasons: { newArtifact: string; recovered: string } = { newArtifact: "NewArtifact", recovered: Reason.Succeeded },
  ): void {
    const { obj, old, log } = run;
    const artifact = obj.status?.artifact;
    if (!artifact) return;
    const metadata = { revision: artifact.revision, digest: artifact.digest };
    const text = message(artifact);
    if (old.status?.artifact?.digest !== artifact.digest) {
      log.info({ revision: artifact.revision }, text);
      run.event("info", reasons.newArtifact, text, metadata);
      return;
    }
    const failedBefore = failConditions.some((t) => isTrue(old, t));
    const failedNow = failConditions.some((t) => getCondition(obj, t) !== undefined);
    if (failedBefore && !failedNow) {
      log.info({ revision: artifact.revision }, text);
      run.event("info", reasons.recovered, text, metadata);
    }
  }

  /** Where the object's new artifact `fileName` of `revision` goes. */
  targetFor(obj: SourceObject, kind: SourceKindName, revision: string, fileName: string): ArtifactTarget {
    const key = { namespace: obj.metadata.namespace ?? "", name: obj.metadata.name ?? "" };
    return this.storage.newArtifactFor(kind, key, revision, fileName);
  }

  /**
   * The end of storing a new artifact: `status.url` at the `link` next to it (a failure is only a trace event,
   * SymlinkUpdateFailed, as Flux) and StorageOperationFailed removed.
   */
  async linkArtifact<T extends SourceObject>(run: ReconcileRun<T, unknown>, artifact: Artifact, link: string) {
    run.obj.status ??= {};
    const status = run.obj.status;
    try {
      status.url = await this.storage.symlink(artifact, link);
    } catch (err: unknown) {
      const message = `failed to update status URL symlink: ${errorMessage(err)}`;
      run.log.info(message);
      run.event("trace", SourceReason.SymlinkUpdateFailed, message);
    }
    deleteCondition(run.obj, SourceCondition.StorageOperationFailed);
  }

  /** Deletion: removes the object's storage (as {@link removeObjectStorage}) and its artifact and URL. */
  async finalize<T extends SourceObject>(
    run: Pick<ReconcileRun<T, unknown>, "obj" | "log" | "event">,
    kind: SourceKindName,
  ): Promise<void> {
    await this.removeObjectStorage(run, kind);
    if (run.obj.status) {
      delete run.obj.status.artifact;
      delete run.obj.status.url;
    }
  }

  /** Removes the object's whole storage directory (GarbageCollectionFailed on failure). */
  async removeObjectStorage<T extends SourceObject>(
    run: Pick<ReconcileRun<T, unknown>, "obj" | "log" | "event">,
    kind: SourceKindName,
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
