export type { AuditEvent } from "./audit.js";
export { NODE_NAME, SYSTEM_NAMESPACES } from "./bootstrap.js";
export { ApiError } from "./errors.js";
export { buildKubeconfig, writeKubeconfigFile } from "./kubeconfig.js";
export { type ApiServer, type ApiServerOptions, startApiServer } from "./server.js";
