// Public entry of @sluice/source-watcher: the controller for in-process use (`sluice up`), its options, the
// command line main.ts uses, and the ArtifactGenerator reconciler.

export {
  ArtifactGeneratorReconciler,
  type ArtifactGeneratorReconcilerOptions,
  hashObservedSources,
  SOURCE_WATCHER_NAME,
} from "./artifactgenerator/reconciler.js";
export { type RunOptions, runSourceWatcher } from "./cli.js";
export {
  createSourceWatcher,
  DEFAULT_CONCURRENCY,
  DEFAULT_LEADER_ELECTION_ID,
  DEFAULT_STORAGE_ADDR,
  type SourceWatcher,
  type SourceWatcherOptions,
} from "./controller.js";
export { InvalidFlagError, parseSourceWatcherFlags, type SourceWatcherFlags, USAGE } from "./flags.js";
