export * from "./controller-manager.js";
export * from "./manager.js";
