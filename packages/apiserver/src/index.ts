export type { AuditEvent } from "./audit.js";
export { ApiError } from "./errors.js";
export { buildKubeconfig, writeKubeconfigFile } from "./kubeconfig.js";
export { type ApiServer, type ApiServerOptions, SYSTEM_NAMESPACES, startApiServer } from "./server.js";
