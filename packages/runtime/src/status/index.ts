export * from "./condition-merge.js";
export * from "./merge-patch.js";
export * from "./reconcile-request.js";
export * from "./status-patcher.js";
