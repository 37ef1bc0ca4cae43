// The flags every Flux controller has (controller-runtime, leader election, rate limit, logging), as one
// table with Flux's names and defaults.

import type { FlagTable } from "./flag-table.js";

/**
 * The flags shared by all controllers, with Flux's defaults, in `--help` order after the controller's own:
 * `concurrency` is the controller's `--concurrent` default and `concurrentHelp` says what it counts.
 */
export function commonControllerFlags(concurrency: number, concurrentHelp: string) {
  return {
    concurrent: { type: "string", default: String(concurrency), arg: "int", help: concurrentHelp },
    "events-addr": { type: "string", default: "", arg: "string", help: "notification-controller event endpoint" },
    "metrics-addr": { type: "string", default: ":8080", arg: "string", help: "metrics listen address, 0 disables" },
    "health-addr": {
      type: "string",
      default: ":9440",
      arg: "string",
      help: "health probe listen address, 0 disables",
    },
    "enable-leader-election": { type: "boolean", default: false, help: "only the Lease holder reconciles" },
    "leader-election-lease-duration": {
      type: "string",
      default: "35s",
      arg: "dur",
      help: "how long a Lease is held without renewal",
    },
    "leader-election-renew-deadline": {
      type: "string",
      default: "30s",
      arg: "dur",
      help: "how long the leader tries to renew before giving up",
    },
    "leader-election-retry-period": {
      type: "string",
      default: "5s",
      arg: "dur",
      help: "wait between tries to acquire or renew the Lease",
    },
    "leader-election-release-on-cancel": {
      type: "boolean",
      default: true,
      help: "release the Lease when stopping",
    },
    "min-retry-delay": {
      type: "string",
      default: "750ms",
      arg: "dur",
      help: "first retry delay after a failure",
    },
    "max-retry-delay": { type: "string", default: "15m", arg: "dur", help: "longest retry delay" },
    "interval-jitter-percentage": {
      type: "string",
      default: "5",
      arg: "int",
      help: "jitter of spec.interval requeues, in percent",
    },
    "watch-all-namespaces": {
      type: "boolean",
      default: true,
      help: "watch all namespaces, else only RUNTIME_NAMESPACE",
    },
    "graceful-shutdown-timeout": {
      type: "string",
      default: "600s",
      arg: "dur",
      help: "how long in-flight reconciles may finish on shutdown",
    },
    "kube-api-qps": { type: "string", default: "50", arg: "float", help: "API requests per second" },
    "kube-api-burst": { type: "string", default: "300", arg: "int", help: "API request burst" },
    kubeconfig: {
      type: "string",
      arg: "string",
      help: "kubeconfig path (default KUBECONFIG, ~/.kube/config, in-cluster)",
    },
    "log-level": { type: "string", default: "info", arg: "string", help: "trace, debug, info, warn, error" },
    "log-encoding": { type: "string", default: "json", arg: "string", help: "json or console" },
    help: { type: "boolean", short: "h", default: false, help: "print this usage" },
  } as const satisfies FlagTable;
}

/** The parsed values of {@link commonControllerFlags}. */
export interface CommonFlagValues {
  concurrent: string;
  "events-addr": string;
  "metrics-addr": string;
  "health-addr": string;
  "enable-leader-election": boolean;
  "leader-election-lease-duration": string;
  "leader-election-renew-deadline": string;
  "leader-election-retry-period": string;
  "leader-election-release-on-cancel": boolean;
  "min-retry-delay": string;
  "max-retry-delay": string;
  "interval-jitter-percentage": string;
  "watch-all-namespaces": boolean;
  "graceful-shutdown-timeout": string;
  "kube-api-qps": string;
  "kube-api-burst": string;
  kubeconfig?: string | undefined;
  "log-level": string;
  "log-encoding": string;
  help: boolean;
}

/**
 * Flags more than one controller has, each controller choosing its default: add the ones a controller has to
 * its own table.
 */
export const SHARED_FLAGS = {
  /** `--requeue-dependency`: Flux's retry delay while a source or dependency is not ready. */
  requeueDependency: (defaultValue: string) =>
    ({
      type: "string",
      default: defaultValue,
      arg: "dur",
      help: "retry delay while a source or dependency is not ready",
    }) as const,
  /** `--default-service-account`: impersonated when an object names no service account. */
  defaultServiceAccount: {
    type: "string",
    default: "",
    arg: "string",
    help: "service account impersonated when spec.serviceAccountName is empty",
  },
  /** `--token-cache-max-size`: Flux's workload-identity token cache size (accepted; no cache is kept). */
  tokenCacheMaxSize: {
    type: "string",
    default: "100",
    arg: "int",
    help: "tokens cached for workload identity (unused)",
  },
  /** `--token-cache-max-duration`: longest a workload-identity token is cached (accepted; unused). */
  tokenCacheMaxDuration: {
    type: "string",
    default: "1h",
    arg: "dur",
    help: "longest a token is cached (unused)",
  },
} as const;
