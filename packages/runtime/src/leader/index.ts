export * from "./leader-elector.js";
export * from "./lease.js";
