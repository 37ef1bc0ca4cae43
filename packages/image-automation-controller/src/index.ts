// Public exports of @sluice/image-automation-controller: the controller for in-process use (`sluice up`), its
// command line, the reconciler, the Setters update and the commit message template.

export {
  IMAGE_AUTOMATION_CONTROLLER_NAME,
  ImageUpdateAutomationReconciler,
  PUSH_ATTEMPTS,
  pushSummary,
  READY_MESSAGE,
} from "./automation/reconciler.js";
export { type RunOptions, runImageAutomationController } from "./cli.js";
export {
  createImageAutomationController,
  DEFAULT_CONCURRENCY,
  DEFAULT_LEADER_ELECTION_ID,
  type ImageAutomationController,
  type ImageAutomationControllerOptions,
} from "./controller.js";
export {
  type ImageAutomationControllerFlags,
  InvalidFlagError,
  parseImageAutomationControllerFlags,
  USAGE,
} from "./flags.js";
export { commitMessage, RemovedTemplateFieldError } from "./template/commit-message.js";
export { executeTemplate, TemplateError } from "./template/go-template.js";
export { type PolicyImage, SETTER_TOKEN, type UpdateResult, updateText, updateWithSetters } from "./update/setters.js";
