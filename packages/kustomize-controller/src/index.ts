// Public exports of @sluice/kustomize-controller: the controller for in-process use (`sluice up`), its
// options and command line, the Kustomization reconciler, and the build internals it is made of.

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
  type BuildOptions,
  type BuildResult,
  type BuiltObject,
  buildKustomization,
  KustomizeBuildError,
} from "./internal/build/build.js";
export {
  type GenerateAction,
  GenerateError,
  type GeneratorSpec,
  generateKustomization,
} from "./internal/build/generate.js";
export { setCommonMetadata, setOwnerLabels } from "./internal/build/owner-labels.js";
export { RemoteBaseError } from "./internal/build/remote-bases.js";
export { type RenderOptions, renderKustomization } from "./internal/build/render.js";
export { celStatusReader, InvalidHealthCheckExprError } from "./internal/health/cel-health.js";
export * from "./internal/substitute/index.js";
export {
  DEFAULT_REQUEUE_DEPENDENCY_MS,
  HealthCheckCanceledError,
  KUSTOMIZE_CONTROLLER_NAME,
  KUSTOMIZE_STATUS_MANAGER,
  KustomizationReconciler,
  type KustomizationReconcilerOptions,
} from "./kustomization/reconciler.js";
