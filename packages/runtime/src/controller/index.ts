export * from "./controller.js";
export * from "./jitter.js";
export * from "./predicates.js";
export * from "./reconciler.js";
export * from "./result.js";
