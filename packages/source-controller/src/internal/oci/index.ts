// OCI Distribution client of the source-controller (OCIRepository, OCI HelmRepository/HelmChart): see
// client.ts for the API and the errors it throws.

export * from "./challenge.js";
export * from "./client.js";
export * from "./credentials.js";
export * from "./errors.js";
export * from "./media-types.js";
export * from "./proxy.js";
export * from "./reference.js";
export * from "./transport.js";
