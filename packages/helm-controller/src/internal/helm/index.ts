export * from "./helm-runner.js";
export * from "./kubeconfig-text.js";
