export * from "./helm-runner.js";
export * from "./kubeconfig-text.js";
export * from "./release-storage.js";
