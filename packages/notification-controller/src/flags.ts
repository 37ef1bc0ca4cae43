// The notification-controller's command line, with Flux's flag names and defaults. Unlike the other
// controllers, `--events-addr` is where this one listens for events (default :9090).

import {
  COMMON_USAGE_PROCESS,
  type CommandFlags,
  commandFlags,
  commonControllerOptions,
  flagDuration as duration,
  InvalidFlagError,
  parseCommonControllerFlags,
  parseFlagValues,
  parseListenAddress,
} from "@sluice/runtime";
import {
  DEFAULT_CONCURRENCY,
  DEFAULT_EVENTS_ADDR,
  DEFAULT_LEADER_ELECTION_ID,
  DEFAULT_RECEIVER_ADDR,
  type NotificationControllerOptions,
  WATCH_CONFIGS_SELECTOR,
} from "./controller.js";

/** Error for a flag value that can't be used (the message names the flag). */
export { InvalidFlagError };

/** What the command line configures: the controller options plus process-level settings. */
export interface NotificationControllerFlags extends CommandFlags {
  /** Options for {@link createNotificationController} (without kubeconfig, client and logger). */
  controller: Omit<NotificationControllerOptions, "kubeConfig" | "client" | "logger">;
}

const OPTIONS = {
  ...commonControllerOptions(DEFAULT_CONCURRENCY),
  "events-addr": { type: "string", default: DEFAULT_EVENTS_ADDR },
  receiverAddr: { type: "string", default: DEFAULT_RECEIVER_ADDR },
  "rate-limit-interval": { type: "string", default: "5m" },
  "no-cross-namespace-refs": { type: "boolean", default: false },
  "export-http-path-metrics": { type: "boolean", default: false },
  "watch-configs-label-selector": { type: "string", default: WATCH_CONFIGS_SELECTOR },
  "feature-gates": { type: "string", default: "" },
} as const;

/** The usage text printed by `--help`. */
export const USAGE = `Usage: notification-controller [flags]

  --events-addr string                  address the event endpoint binds to (default :9090)
  --receiverAddr string                 address the webhook receiver endpoint binds to (default :9292)
  --rate-limit-interval dur             identical events within it are dropped with 429 (default 5m)
  --no-cross-namespace-refs             refuse Alert sources and Receiver resources in other namespaces
  --concurrent int                      Receivers, Providers and Alerts reconciled at once (default 4)
  --metrics-addr string                 metrics listen address, 0 disables (default :8080)
  --health-addr string                  health probe listen address, 0 disables (default :9440)
  --enable-leader-election              only the Lease holder reconciles (both servers answer in every replica)
  --leader-election-lease-duration dur  (default 35s)
  --leader-election-renew-deadline dur  (default 30s)
  --leader-election-retry-period dur    (default 5s)
  --leader-election-release-on-cancel   (default true)
  --min-retry-delay dur                 first retry delay after an error (default 750ms)
  --max-retry-delay dur                 longest retry delay (default 15m)
  --watch-all-namespaces                watch all namespaces, else RUNTIME_NAMESPACE (default true)
  --watch-configs-label-selector string Secrets whose changes re-reconcile Receivers (default ${WATCH_CONFIGS_SELECTOR})
  --export-http-path-metrics            accepted for compatibility (metrics are labelled by handler)
  --feature-gates string                accepted for compatibility; no gates are known
${COMMON_USAGE_PROCESS}
`;

/**
 * Parses the notification-controller's flags (Flux's names, `--flag value` or `--flag=value`). Throws
 * {@link InvalidFlagError} (or node's parseArgs error for unknown flags) with a message naming the flag.
 */
export function parseNotificationControllerFlags(
  argv: readonly string[],
  env: NodeJS.ProcessEnv = process.env,
): NotificationControllerFlags {
  const values = parseFlagValues(argv, OPTIONS);
  const common = parseCommonControllerFlags(values, env, DEFAULT_LEADER_ELECTION_ID);
  for (const flag of ["events-addr", "receiverAddr"] as const) {
    try {
      parseListenAddress(values[flag]);
    } catch {
      throw new InvalidFlagError(`invalid value "${values[flag]}" for --${flag}: expected [host]:port, e.g. :9090`);
    }
  }
  if (values["watch-configs-label-selector"] !== WATCH_CONFIGS_SELECTOR) {
    throw new InvalidFlagError(
      `invalid value "${values["watch-configs-label-selector"]}" for --watch-configs-label-selector: only ${WATCH_CONFIGS_SELECTOR} is supported`,
    );
  }
  const { eventsAddr: _posting, ...shared } = common.controller;
  const controller: NotificationControllerFlags["controller"] = {
    ...shared,
    eventsAddr: values["events-addr"],
    receiverAddr: values.receiverAddr,
    rateLimitIntervalMs: duration("rate-limit-interval", values["rate-limit-interval"]),
    noCrossNamespaceRefs: values["no-cross-namespace-refs"],
  };
  return { ...commandFlags(common), controller };
}
