// Public entry of @sluice/helm-controller: the controller for in-process use (`sluice up`), its options, and
// the HelmRelease reconciler.

export { type RunOptions, runHelmController } from "./cli.js";
export {
  createHelmController,
  DEFAULT_CONCURRENCY,
  DEFAULT_LEADER_ELECTION_ID,
  type HelmController,
  type HelmControllerOptions,
  WATCH_LABEL,
} from "./controller.js";
export { type HelmControllerFlags, InvalidFlagError, parseHelmControllerFlags, USAGE } from "./flags.js";
export {
  DEFAULT_DEPENDENCY_REQUEUE_MS,
  HELM_CONTROLLER_NAME,
  HelmReleaseReconciler,
  type HelmReleaseReconcilerOptions,
} from "./helmrelease/reconciler.js";
