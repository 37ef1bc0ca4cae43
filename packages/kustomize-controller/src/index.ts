// Public exports of @sluice/kustomize-controller. The reconciler comes later; these are the build internals
// it is made of, exported for the CLI and tests.
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
export * from "./internal/substitute/index.js";
