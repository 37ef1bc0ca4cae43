export * from "./progressive-status.js";
export * from "./secret-data.js";
export * from "./source-steps.js";

/** Field manager of status writes and the name in events, as Flux's. */
export const SOURCE_CONTROLLER_NAME = "source-controller";
