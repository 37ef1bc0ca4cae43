import type { KubeObject } from "../util/meta.js";

/** The change kinds a watch stream carries. */
export type WatchEventType = "ADDED" | "MODIFIED" | "DELETED";

/** One committed change to a collection, as kept in the watch history. */
export interface StoreEvent {
  type: WatchEventType;
  /** The global resourceVersion at which the change was committed. */
  rv: number;
  /** The object after the change (for DELETED: the last state, carrying the deletion's resourceVersion). */
  object: KubeObject;
  /** The object before the change (MODIFIED and DELETED). */
  previous?: KubeObject;
}
