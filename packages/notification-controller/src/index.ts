// Public exports of @sluice/notification-controller: the controller for in-process use (`sluice up`), its
// options and command line, the servers, and the providers behind their factory.

export { AlertReconciler } from "./alert/reconciler.js";
export { type RunOptions, runNotificationController } from "./cli.js";
export {
  createNotificationController,
  DEFAULT_CONCURRENCY,
  DEFAULT_EVENTS_ADDR,
  DEFAULT_LEADER_ELECTION_ID,
  DEFAULT_RATE_LIMIT_INTERVAL_MS,
  DEFAULT_RECEIVER_ADDR,
  type NotificationAddresses,
  type NotificationController,
  type NotificationControllerOptions,
  WEBHOOK_PATH_INDEX,
} from "./controller.js";
export { alertsForEvent, compileGoRegexp } from "./event/alert-matching.js";
export { commitStatusFor, defaultCommitStatus } from "./event/commit-status.js";
export { DISPATCH_FAILED_REASON, Dispatcher } from "./event/dispatcher.js";
export { DuplicateLimiter, eventKey } from "./event/duplicate-limiter.js";
export { InvalidEventError, parseEvent } from "./event/event-body.js";
export { cleanupMetadata, combineEventMetadata, excludeInternalMetadata } from "./event/metadata.js";
export {
  InvalidFlagError,
  type NotificationControllerFlags,
  parseNotificationControllerFlags,
  USAGE,
} from "./flags.js";
export { MAX_REQUEST_BODY_BYTES } from "./http/body-limit.js";
export * from "./notifier/index.js";
export { maskSecrets, ProviderConfigError, resolveProvider } from "./provider/provider-secrets.js";
export { ProviderReconciler, validateProvider } from "./provider/reconciler.js";
export { DEFAULT_FLUX_API_VERSIONS, requestReconciliations } from "./receiver/reconcile-requests.js";
export { NOTIFICATION_CONTROLLER_NAME, ReceiverReconciler } from "./receiver/reconciler.js";
export { ReplayGuard } from "./receiver/replay-guard.js";
export { checkHmacSignature, signBody } from "./receiver/signatures.js";
export { VERIFIED_RECEIVER_TYPES, verifyWebhook, WebhookRejectedError } from "./receiver/verifiers.js";
export { EventServer } from "./server/event-server.js";
export { ReceiverServer } from "./server/receiver-server.js";
