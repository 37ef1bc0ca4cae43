export * from "./compose-values.js";
export * from "./merge-values.js";
export * from "./target-path.js";
