export * from "./common-options.js";
export * from "./controller-flags.js";
export * from "./flag-table.js";
export * from "./go-bool.js";
export * from "./invalid-flag-error.js";
export * from "./parse-common.js";
export * from "./run-command.js";
export * from "./validators.js";
