// Public exports of @sluice/kustomize-controller: the controller for in-process use (`sluice up`), its
// options and command line, and the Kustomization reconciler. The build it applies is @sluice/kustomize's.

export { type RunOptions, runKustomizeController } from "./cli.js";
export {
  artifactChanged,
  createKustomizeController,
  DEFAULT_CONCURRENCY,
  DEFAULT_LEADER_ELECTION_ID,
  type KustomizeController,
  type KustomizeControllerOptions,
  SOURCE_INDEX,
} from "./controller.js";
export {
  InvalidFlagError,
  type KustomizeControllerFlags,
  parseFeatureGates,
  parseGroupKinds,
  parseKustomizeControllerFlags,
  USAGE,
} from "./flags.js";
export {
  DEFAULT_REQUEUE_DEPENDENCY_MS,
  HealthCheckCanceledError,
  KUSTOMIZE_CONTROLLER_NAME,
  KUSTOMIZE_STATUS_MANAGER,
  KustomizationReconciler,
  type KustomizationReconcilerOptions,
} from "./kustomization/reconciler.js";
