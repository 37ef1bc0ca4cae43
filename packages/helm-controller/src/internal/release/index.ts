export * from "./chart-crds.js";
export * from "./helm-actions.js";
export * from "./snapshot.js";
