export * from "./api-error.js";
export * from "./kube-client.js";
export * from "./object-ref.js";
export * from "./rate-limiter.js";
