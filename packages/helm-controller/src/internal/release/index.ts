export * from "./helm-actions.js";
export * from "./snapshot.js";
