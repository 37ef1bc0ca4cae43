// @sluice/helm-storage: Helm's own release storage (the `sh.helm.release.v1.*` Secrets) as helm-controller
// and the CLI read it.

export * from "./manifest-objects.js";
export * from "./release-storage.js";
