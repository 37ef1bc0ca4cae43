export * from "./deep-freeze.js";
export * from "./informer.js";
export * from "./object-cache.js";
