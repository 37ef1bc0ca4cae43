export type { EventSink, ReconcilableObject, ReconcileRun } from "./run.js";
export * from "./step.js";
export * from "./step-reconciler.js";
export * from "./summarizers.js";
