export * from "./reconcile-errors.js";
