export * from "./manager.js";
