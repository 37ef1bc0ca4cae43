export type { AuditEvent } from "./audit.js";
export { NODE_NAME, SYSTEM_NAMESPACES } from "./bootstrap.js";
export { ApiError } from "./errors.js";
export type { PodLogSource } from "./http/pod-logs.js";
export { buildKubeconfig, writeKubeconfigFile } from "./kubeconfig.js";
export { type ApiServer, type ApiServerOptions, startApiServer } from "./server.js";
export {
  DATA_DIR_LOCK_FILE,
  DataDirInUseError,
  type DataDirLock,
  type LockDataDirOptions,
  lockDataDir,
} from "./store/data-dir-lock.js";
export { StorageError } from "./store/storage-error.js";
