// Public entry of @sluice/source-controller: the controller for in-process use (`sluice up`), its options, the
// command-line parser main.ts uses, and the GitRepository, HelmRepository, HelmChart and OCIRepository
// reconcilers.

export { type RunOptions, runSourceController } from "./cli.js";
export {
  createSourceController,
  DEFAULT_CONCURRENCY,
  DEFAULT_LEADER_ELECTION_ID,
  DEFAULT_STORAGE_ADDR,
  type SourceController,
  type SourceControllerOptions,
} from "./controller.js";
export { InvalidFlagError, parseSourceControllerFlags, type SourceControllerFlags, USAGE } from "./flags.js";
export {
  DEFAULT_DEPENDENCY_REQUEUE_MS,
  GitRepositoryReconciler,
  type GitRepositoryReconcilerOptions,
  SOURCE_CONTROLLER_NAME,
} from "./gitrepository/reconciler.js";
export { HelmChartReconciler, type HelmChartReconcilerOptions } from "./helmchart/reconciler.js";
export {
  HelmRepositoryReconciler,
  type HelmRepositoryReconcilerOptions,
} from "./helmrepository/reconciler.js";
export {
  OCI_REVISION_ANNOTATION,
  OCI_SOURCE_ANNOTATION,
  OCIRepositoryReconciler,
  type OCIRepositoryReconcilerOptions,
} from "./ocirepository/reconciler.js";
