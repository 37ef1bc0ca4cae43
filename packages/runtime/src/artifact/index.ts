export * from "./artifact-cache.js";
export * from "./digest.js";
export * from "./download.js";
export * from "./errors.js";
export * from "./fetch-artifact.js";
export * from "./host-override.js";
export * from "./link-tree.js";
export * from "./safe-untar.js";
