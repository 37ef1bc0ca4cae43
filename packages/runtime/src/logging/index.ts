export * from "./controller-log-line.js";
export * from "./logger.js";
export * from "./redact.js";
