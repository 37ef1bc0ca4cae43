export * from "./buckets.js";
export * from "./metrics-recorder.js";
