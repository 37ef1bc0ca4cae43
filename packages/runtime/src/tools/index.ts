export * from "./resolve-tool.js";
