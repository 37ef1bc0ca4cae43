/** Secret reads moved to the runtime (shared with the image controllers). */
export { readSecretData } from "@sluice/runtime";
export * from "./progressive-status.js";
export * from "./source-steps.js";

/** Field manager of status writes and the name in events, as Flux's. */
export const SOURCE_CONTROLLER_NAME = "source-controller";
