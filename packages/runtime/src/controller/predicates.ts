import { Annotation } from "@sluice/api";
import type { ApiObject } from "../kube/object-ref.js";

/** Decides whether an update event should enqueue the object. */
export type UpdatePredicate<T extends ApiObject = ApiObject> = (old: T, obj: T) => boolean;

/** True when `metadata.generation` changed (a spec change, or deletion starting on a finalized object). */
export const generationChanged: UpdatePredicate = (old, obj) => old.metadata.generation !== obj.metadata.generation;

/** True when the `reconcile.fluxcd.io/requestedAt` annotation appeared or changed (`flux reconcile`). */
export const reconcileRequested: UpdatePredicate = (old, obj) => {
  const now = obj.metadata.annotations?.[Annotation.ReconcileRequestedAt];
  if (now === undefined) return false;
  return now !== old.metadata.annotations?.[Annotation.ReconcileRequestedAt];
};

/** True when `metadata.deletionTimestamp` was just set. */
export const deletionStarted: UpdatePredicate = (old, obj) =>
  obj.metadata.deletionTimestamp !== undefined && old.metadata.deletionTimestamp === undefined;

/** True when any of the predicates is. */
export function anyOf<T extends ApiObject>(...predicates: Array<UpdatePredicate<T>>): UpdatePredicate<T> {
  return (old, obj) => predicates.some((p) => p(old, obj));
}

/**
 * Flux's filter for the reconciled kind: generation changed or a reconcile was requested (our own status
 * writes never retrigger a run). Deletion of a finalized object bumps the generation too.
 */
export const defaultForPredicate: UpdatePredicate = anyOf(generationChanged, reconcileRequested, deletionStarted);

/** True when the resourceVersion changed (any real update; resyncs excluded). */
export const resourceVersionChanged: UpdatePredicate = (old, obj) =>
  old.metadata.resourceVersion !== obj.metadata.resourceVersion;
