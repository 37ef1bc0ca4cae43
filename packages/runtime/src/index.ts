// The shared controller runtime: every part a Sluice controller is built from.
export * from "./artifact/index.js";
export * from "./cache/index.js";
export * from "./conditions/index.js";
export * from "./controller/index.js";
export * from "./errors/index.js";
export * from "./events/index.js";
export * from "./flags/index.js";
export * from "./http/index.js";
export * from "./kube/index.js";
export * from "./leader/index.js";
export * from "./logging/index.js";
export * from "./manager/index.js";
export * from "./metrics/index.js";
export * from "./queue/index.js";
export * from "./ssa/index.js";
export * from "./status/index.js";
export * from "./tools/index.js";
