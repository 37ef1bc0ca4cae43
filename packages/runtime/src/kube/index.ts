export * from "./api-error.js";
export * from "./exec-credential.js";
export * from "./http-transport.js";
export * from "./kube-client.js";
export * from "./kube-config.js";
export * from "./object-ref.js";
export * from "./rate-limiter.js";
export * from "./watch-stream.js";
