export * from "./deep-freeze.js";
export * from "./informer.js";
export * from "./key-dispatcher.js";
export * from "./object-cache.js";
