// The Manager every controller package builds the same way from its create…Controller options: one place for
// the kubeconfig-or-client rule, the silent default logger and the default leader-election Lease name.

import { type Logger, pino } from "pino";
import type { KubeClient } from "../kube/kube-client.js";
import type { KubeConfigLike } from "../kube/kube-config.js";
import type { RateLimit } from "../kube/rate-limiter.js";
import type { MetricsRecorder } from "../metrics/metrics-recorder.js";
import { type BackoffOptions, DEFAULT_BACKOFF } from "../queue/backoff.js";
import { type LeaderElectionConfig, Manager } from "./manager.js";

/**
 * The options every controller's `create…Controller` takes (each names the Flux flag it mirrors): a
 * controller's options interface extends this one and adds only its own.
 */
export interface ControllerManagerOptions {
  /** Kubeconfig to reach the API (one of `kubeConfig` or `client` is required). */
  kubeConfig?: KubeConfigLike | undefined;
  /** A client to share (e.g. `sluice up`'s); its kubeconfig is used for watches. */
  client?: KubeClient | undefined;
  /** `--kube-api-qps`/`--kube-api-burst` of a client made from `kubeConfig` (default 50/300). */
  rateLimit?: RateLimit | false | undefined;
  /** `--metrics-addr` (default `:8080`; `0` disables). */
  metricsAddr?: string | undefined;
  /** `--health-addr` (default `:9440`; `0` disables). */
  healthAddr?: string | undefined;
  /** `--enable-leader-election` and its Lease settings (the Lease name defaults per controller). */
  leaderElection?:
    | (Partial<Omit<LeaderElectionConfig, "enabled">> & { enabled: boolean; leaseNamespace: string })
    | undefined;
  /** Watch only this namespace (default all). */
  watchNamespace?: string | undefined;
  /** How long in-flight reconciles may run on shutdown (ms). */
  gracefulShutdownTimeout?: number | undefined;
  /** `--concurrent`: objects (of each kind) reconciled at once (each controller has its own default). */
  concurrency?: number | undefined;
  /** `--events-addr`: notification-controller's event endpoint (none: only Kubernetes Events). */
  eventsAddr?: string | undefined;
  /** `--min-retry-delay` / `--max-retry-delay` in milliseconds (default 750 ms / 15 min). */
  retryDelay?: Partial<BackoffOptions> | undefined;
  /** `--interval-jitter-percentage` (default 5). */
  intervalJitterPercentage?: number | undefined;
  /** Metrics registry to share (default one per controller). */
  metrics?: MetricsRecorder | undefined;
  /** Process logger (default silent). */
  logger?: Logger | undefined;
}

/** The work-queue settings of one controller, as `Manager.controller` takes them. */
export interface ControllerQueueSettings {
  concurrency: number;
  backoff?: BackoffOptions;
  intervalJitterPercentage?: number;
}

/**
 * The work-queue settings `options` give each of a controller's kinds: `--concurrent` (or the controller's
 * `defaultConcurrency`), the retry delays and the interval jitter.
 */
export function controllerQueueSettings(
  options: Pick<ControllerManagerOptions, "concurrency" | "retryDelay" | "intervalJitterPercentage">,
  defaultConcurrency: number,
): ControllerQueueSettings {
  return {
    concurrency: options.concurrency ?? defaultConcurrency,
    ...(options.retryDelay ? { backoff: { ...DEFAULT_BACKOFF, ...options.retryDelay } } : {}),
    ...(options.intervalJitterPercentage !== undefined
      ? { intervalJitterPercentage: options.intervalJitterPercentage }
      : {}),
  };
}

/**
 * Builds the {@link Manager} of the controller `component` from its options; throws a TypeError naming the
 * component when neither `kubeConfig` nor `client` is given. Logs go nowhere unless a logger is passed.
 * Returns the manager, the logger and the kubeconfig in use (the client's when only a client is given).
 */
export function createControllerManager(
  component: string,
  options: ControllerManagerOptions,
  defaultLeaseName: string,
): { manager: Manager; logger: Logger; kubeConfig: KubeConfigLike } {
  const kubeConfig = options.kubeConfig ?? options.client?.kubeConfig;
  if (!kubeConfig) throw new TypeError(`${component}: kubeConfig or client is required`);
  const logger = options.logger ?? pino({ level: "silent" });
  const election = options.leaderElection;
  const manager = new Manager({
    kubeConfig,
    ...(options.client ? { client: options.client } : {}),
    ...(options.rateLimit !== undefined ? { rateLimit: options.rateLimit } : {}),
    userAgent: `${userAgentName(component)}/sluice`,
    logger,
    ...(options.metrics ? { metrics: options.metrics } : {}),
    ...(options.metricsAddr !== undefined ? { metricsAddr: options.metricsAddr } : {}),
    ...(options.healthAddr !== undefined ? { healthAddr: options.healthAddr } : {}),
    ...(options.watchNamespace ? { watchNamespace: options.watchNamespace } : {}),
    ...(options.gracefulShutdownTimeout !== undefined
      ? { gracefulShutdownTimeout: options.gracefulShutdownTimeout }
      : {}),
    ...(election ? { leaderElection: { ...election, leaseName: election.leaseName ?? defaultLeaseName } } : {}),
  });
  return { manager, logger, kubeConfig };
}

/** `createKustomizeController` → `kustomize-controller` (the User-Agent product of its requests). */
function userAgentName(component: string): string {
  return component
    .replace(/^create/, "")
    .replace(/([a-z0-9])([A-Z])/g, "$1-$2")
    .toLowerCase();
}
