/** Secret reads moved to the runtime (shared with the image controllers). */
export { readSecretData } from "@sluice/runtime";
export * from "./artifact-step.js";
export * from "./progressive-status.js";
export * from "./source-conditions.js";
export * from "./source-reconciler.js";
export * from "./source-steps.js";
