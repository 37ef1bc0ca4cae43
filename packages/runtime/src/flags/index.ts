export * from "./common-options.js";
export * from "./common-usage.js";
export * from "./go-bool.js";
export * from "./invalid-flag-error.js";
export * from "./parse-common.js";
export * from "./run-command.js";
export * from "./validators.js";
