// The helm-controller's command line, with Flux's flag names and defaults (RUNTIME_NAMESPACE for the
// leader election Lease and --watch-all-namespaces=false).

import {
  COMMON_USAGE_ENDPOINTS,
  COMMON_USAGE_PROCESS,
  type CommandFlags,
  commandFlags,
  commonControllerOptions,
  flagDuration as duration,
  InvalidFlagError,
  parseCommonControllerFlags,
  parseFlagValues,
} from "@sluice/runtime";
import {
  DEFAULT_CONCURRENCY,
  DEFAULT_LEADER_ELECTION_ID,
  type HelmControllerOptions,
  WATCH_LABEL,
} from "./controller.js";

/** Error for a flag value that can't be used (the message names the flag). */
export { InvalidFlagError };

/** What the command line configures: the controller options plus process-level settings. */
export interface HelmControllerFlags extends CommandFlags {
  /** Options for {@link createHelmController} (without kubeconfig, client and logger). */
  controller: Omit<HelmControllerOptions, "kubeConfig" | "client" | "logger">;
}

const OPTIONS = {
  ...commonControllerOptions(DEFAULT_CONCURRENCY),
  "requeue-dependency": { type: "string", default: "5s" },
  "default-service-account": { type: "string", default: "" },
  "watch-configs-label-selector": { type: "string", default: `${WATCH_LABEL}=Enabled` },
} as const;

/** The usage text printed by `--help`. */
export const USAGE = `Usage: helm-controller [flags]

  --concurrent int                      HelmReleases reconciled at once (default 4)
${COMMON_USAGE_ENDPOINTS}
  --requeue-dependency dur              retry delay while a source or dependency is not ready (default 5s)
  --min-retry-delay dur                 first retry delay after a failure (default 750ms)
  --max-retry-delay dur                 longest retry delay (default 15m)
  --interval-jitter-percentage int      jitter of spec.interval requeues (default 5)
  --default-service-account string      service account impersonated when spec.serviceAccountName is unset
  --watch-all-namespaces                watch all namespaces, else RUNTIME_NAMESPACE (default true)
  --watch-configs-label-selector string ConfigMaps/Secrets whose changes trigger reconciles
                                        (default reconcile.fluxcd.io/watch=Enabled)
${COMMON_USAGE_PROCESS}
`;

/**
 * Parses the helm-controller's flags (Flux's names, `--flag value` or `--flag=value`). Throws
 * {@link InvalidFlagError} (or node's parseArgs error for unknown flags) naming the flag.
 */
export function parseHelmControllerFlags(
  argv: readonly string[],
  env: NodeJS.ProcessEnv = process.env,
): HelmControllerFlags {
  const values = parseFlagValues(argv, OPTIONS);
  const common = parseCommonControllerFlags(values, env, DEFAULT_LEADER_ELECTION_ID);
  const controller: HelmControllerFlags["controller"] = {
    ...common.controller,
    requeueDependencyMs: duration("requeue-dependency", values["requeue-dependency"]),
    defaultServiceAccount: values["default-service-account"] || undefined,
    watchConfigsLabelSelector: values["watch-configs-label-selector"],
  };
  return { ...commandFlags(common), controller };
}
