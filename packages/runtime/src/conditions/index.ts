export * from "./object-conditions.js";
export * from "./reconcile-outcome.js";
export * from "./summarize.js";
