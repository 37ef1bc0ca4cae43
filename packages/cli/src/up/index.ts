// `sluice up` as a library (used by the `up` command and the e2e tests).
export { bannerLines, READY_LINE, shellQuote } from "./banner.js";
export { ControllerLogs } from "./controller-logs.js";
export { ControllerStartError, httpAddress, waitForManagerReady } from "./controller-readiness.js";
export {
  AVAILABLE_CONTROLLERS,
  CONTROLLER_NAMES,
  type ControllerAddresses,
  type ControllerContext,
  type ControllerName,
  ControllerSelectionError,
  parseControllerList,
  type RunningController,
  startControllers,
} from "./controllers.js";
export { CrdInstallError, installCrds, UP_FIELD_MANAGER } from "./crds.js";
export { DataDirInUseError, LOCK_FILE, lockDataDir } from "./data-dir-lock.js";
export { DEMO_NAMESPACE, DEMO_SOURCE_NAME, demoObjects, FLUX_NAMESPACE } from "./demo-objects.js";
export { DEMO_BRANCH, DEMO_GIT_ENV, DEMO_OVERLAYS, DEMO_REPO_NAME, demoFiles, ensureDemoRepo } from "./demo-repo.js";
export { type NarratedDeployment, type NarratedObject, Narrator, type NarratorOptions } from "./narrator.js";
export { requestReconcile } from "./request-reconcile.js";
export { DEFAULT_UI_PORT, type UiInfo } from "./ui.js";
export { runningUp, type UpRecord, upRecordPath, writeUpRecord } from "./up-registry.js";
export { type DemoInfo, startUp, type UpOptions, type UpSession } from "./up-session.js";
