// @sluice/oci: the OCI Distribution client shared by source-controller (OCIRepository, OCI Helm) and the
// image-reflector-controller (ImageRepository tag scans, ImagePolicy digests): see client.ts.

export * from "./challenge.js";
export * from "./client.js";
export * from "./credentials.js";
export * from "./errors.js";
export * from "./media-types.js";
export * from "./proxy.js";
export * from "./reference.js";
export * from "./registry-auth.js";
export * from "./transport.js";
