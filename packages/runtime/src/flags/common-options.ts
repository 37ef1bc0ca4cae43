// The flags every Flux controller has (controller-runtime, leader election, rate limit, logging).

/**
 * The parseArgs option table of the flags shared by all controllers, with Flux's defaults; `concurrency`
 * is the controller's own `--concurrent` default.
 */
export function commonControllerOptions(concurrency: number) {
  return {
    concurrent: { type: "string", default: String(concurrency) },
    "events-addr": { type: "string", default: "" },
    "metrics-addr": { type: "string", default: ":8080" },
    "health-addr": { type: "string", default: ":9440" },
    "enable-leader-election": { type: "boolean", default: false },
    "leader-election-lease-duration": { type: "string", default: "35s" },
    "leader-election-renew-deadline": { type: "string", default: "30s" },
    "leader-election-retry-period": { type: "string", default: "5s" },
    "leader-election-release-on-cancel": { type: "boolean", default: true },
    "min-retry-delay": { type: "string", default: "750ms" },
    "max-retry-delay": { type: "string", default: "15m" },
    "interval-jitter-percentage": { type: "string", default: "5" },
    "watch-all-namespaces": { type: "boolean", default: true },
    "graceful-shutdown-timeout": { type: "string", default: "600s" },
    "kube-api-qps": { type: "string", default: "50" },
    "kube-api-burst": { type: "string", default: "300" },
    kubeconfig: { type: "string" },
    "log-level": { type: "string", default: "info" },
    "log-encoding": { type: "string", default: "json" },
    help: { type: "boolean", short: "h", default: false },
  } as const;
}

/** The parsed values of {@link commonControllerOptions}. */
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
