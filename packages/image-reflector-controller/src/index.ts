// Public exports of @sluice/image-reflector-controller: the controller for in-process use (`sluice up`), its
// command line, the reconcilers, the tag store and the policies.

export { type RunOptions, runImageReflectorController } from "./cli.js";
export {
  createImageReflectorController,
  DEFAULT_CONCURRENCY,
  DEFAULT_LEADER_ELECTION_ID,
  type ImageReflectorController,
  type ImageReflectorControllerOptions,
} from "./controller.js";
export {
  type ImageReflectorControllerFlags,
  InvalidFlagError,
  parseImageReflectorControllerFlags,
  USAGE,
} from "./flags.js";
export { type ImageReference, ImageReferenceError, parseImageReference } from "./image-reference.js";
export { DEFAULT_DEPENDENCY_REQUEUE_MS, ImagePolicyReconciler, readyMessage } from "./imagepolicy/reconciler.js";
export {
  IMAGE_REFLECTOR_CONTROLLER_NAME,
  ImageRepositoryReconciler,
  LATEST_TAGS_COUNT,
} from "./imagerepository/reconciler.js";
export { InvalidPolicyError, NoMatchingTagError, parseTagVersion, selectLatestTag } from "./policy/policies.js";
export { TagStore, TagStoreLimitError } from "./storage/tag-store.js";
