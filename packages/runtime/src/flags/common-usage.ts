// Usage lines of the shared flags, for the controllers' `--help` texts.

/** Usage lines of the event, metrics, health and leader election flags. */
export const COMMON_USAGE_ENDPOINTS = `  --events-addr string                  notification-controller event endpoint
  --metrics-addr string                 metrics listen address, 0 disables (default :8080)
  --health-addr string                  health probe listen address, 0 disables (default :9440)
  --enable-leader-election              only the Lease holder reconciles
  --leader-election-lease-duration dur  (default 35s)
  --leader-election-renew-deadline dur  (default 30s)
  --leader-election-retry-period dur    (default 5s)
  --leader-election-release-on-cancel   (default true)`;

/** Usage lines of the shutdown, API rate limit, kubeconfig and logging flags (the end of every usage text). */
export const COMMON_USAGE_PROCESS = `  --graceful-shutdown-timeout dur       how long in-flight reconciles may finish on shutdown (default 600s)
  --kube-api-qps float / --kube-api-burst int   API rate limit (default 50 / 300)
  --kubeconfig string                   kubeconfig path (default KUBECONFIG, ~/.kube/config, in-cluster)
  --log-level string                    trace, debug, info, warn, error (default info)
  --log-encoding string                 json or console (default json)`;
