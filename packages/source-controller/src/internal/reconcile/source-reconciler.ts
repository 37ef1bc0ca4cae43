// The reconcile skeleton of a source kind: the runtime's StepReconciler with the steps, Ready summary,
// deletion and after-patch work (success event, garbage collection) that every source kind shares.

import { SOURCE_API_VERSION } from "@sluice/api";
import type { EventRecorder } from "@sluice/runtime/events";
import type { KubeClient } from "@sluice/runtime/kube";
import {
  type ReconcileRun,
  type StepFunction,
  StepReconciler,
  step,
  summarizeReadyFrom,
} from "@sluice/runtime/reconcile";
import type { ArtifactStorage } from "../storage/index.js";
import type { SourceConditionSets } from "./source-conditions.js";
import { reportProgress, type SourceKindName, type SourceObject, type SourceSteps } from "./source-steps.js";

/** Field manager of status writes and the name in events, as Flux's. */
export const SOURCE_CONTROLLER_NAME = "source-controller";

/** The options every source reconciler takes. */
export interface SourceReconcilerOptions {
  /** Client for status/finalizer writes and for reading Secrets (and the kind's other objects). */
  client: KubeClient;
  /** Where artifacts are written (and garbage collected). */
  storage: ArtifactStorage;
  /** Where Kubernetes and Flux events go (none when absent). */
  events?: EventRecorder | undefined;
  /** Field manager of status writes (default `source-controller`). */
  controllerName?: string | undefined;
}

/** A source kind's part of the skeleton. */
export interface SourceSkeleton<T extends SourceObject, S> {
  kind: SourceKindName;
  conditions: SourceConditionSets;
  newState: () => S;
  /** The kind's storage, source and artifact steps (progress reporting comes first for every kind). */
  reconcileStorage: StepFunction<T, S>;
  reconcileSource: StepFunction<T, S>;
  reconcileArtifact: StepFunction<T, S>;
  /** Delay before the next run (`spec.interval`, or the kind's default). */
  interval: (obj: T) => number;
  /** Deletion; by default the object's storage, artifact and URL go ({@link SourceSteps.finalize}). */
  finalize?: ((run: ReconcileRun<T, S>) => Promise<void>) | undefined;
  /** The success event of a run without error ({@link SourceSteps.announceArtifact}). */
  announce: (run: ReconcileRun<T, S>) => void;
}

/**
 * A source kind's reconciler: progress, storage, source and artifact steps; Ready summarized from the kind's
 * conditions; after the final patch the success event of an error-free run and garbage collection.
 */
export function sourceReconciler<T extends SourceObject, S>(
  options: SourceReconcilerOptions,
  steps: SourceSteps,
  kind: SourceSkeleton<T, S>,
): StepReconciler<T, S> {
  return new StepReconciler<T, S>({
    apiVersion: SOURCE_API_VERSION,
    kind: kind.kind,
    client: options.client,
    fieldManager: options.controllerName ?? SOURCE_CONTROLLER_NAME,
    ownedConditions: kind.conditions.owned,
    events: options.events,
    newState: kind.newState,
    steps: [
      step("reportProgress", reportProgress),
      step("reconcileStorage", kind.reconcileStorage),
      step("reconcileSource", kind.reconcileSource),
      step("reconcileArtifact", kind.reconcileArtifact),
    ],
    summarize: summarizeReadyFrom(kind.conditions.ready),
    interval: kind.interval,
    finalize: kind.finalize ?? ((run) => steps.finalize(run, kind.kind)),
    afterPatch: async (run, outcome) => {
      if (!outcome.error) kind.announce(run);
      await steps.garbageCollect(run);
    },
  });
}
