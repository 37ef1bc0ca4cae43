// @sluice/kustomize: what a Flux Kustomization builds into, shared by kustomize-controller (which applies it)
// and the CLI (`sluice build|diff kustomization`). Nothing here talks to the cluster except to read the
// Secret of `spec.decryption` and the `substituteFrom` objects through the client it is given.

export {
  type BuildDecryptor,
  type BuildOptions,
  type BuildResult,
  type BuiltObject,
  buildKustomization,
  KustomizeBuildError,
  resolveSpecPath,
} from "./build/build.js";
export { type GenerateAction, GenerateError, type GeneratorSpec, generateKustomization } from "./build/generate.js";
export { setCommonMetadata, setOwnerLabels } from "./build/owner-labels.js";
export { RemoteBaseError, reachesRemoteBases } from "./build/remote-bases.js";
export { type RenderOptions, renderKustomization } from "./build/render.js";
export * from "./decrypt/index.js";
export * from "./substitute/index.js";
