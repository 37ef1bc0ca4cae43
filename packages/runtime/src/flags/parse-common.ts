// Parsing a controller's argv (strict, Go-style booleans) and turning the shared flags into options.

import { parseArgs } from "node:util";
import { parseLogEncoding, parseLogLevel } from "../logging/index.js";
import type { CommonFlagValues } from "./common-options.js";
import { type FlagOptionTable, splitGoBooleanValues } from "./go-bool.js";
import { InvalidFlagError } from "./invalid-flag-error.js";
import type { CommandFlags } from "./run-command.js";
import { flagDuration, flagInteger, flagPositiveNumber } from "./validators.js";

/** The values parseArgs returns for option table `O` (strict, no positionals). */
export type FlagValues<O extends FlagOptionTable> = ReturnType<
  typeof parseArgs<{ args: string[]; options: O; strict: true; allowPositionals: false }>
>["values"];

/**
 * Parses `argv` against `options` (`--flag value`, `--flag=value`, Go's `--bool=false`); unknown flags and
 * positionals throw node's parseArgs error.
 */
export function parseFlagValues<const O extends FlagOptionTable>(argv: readonly string[], options: O): FlagValues<O> {
  const { args, falseFlags } = splitGoBooleanValues(argv, options);
  const { values } = parseArgs({ args, options, strict: true, allowPositionals: false });
  for (const name of falseFlags) (values as Record<string, unknown>)[name] = false;
  return values;
}

/** The controller options configured by the shared flags. */
export interface CommonControllerSettings {
  concurrency: number;
  eventsAddr: string | undefined;
  metricsAddr: string;
  healthAddr: string;
  retryDelay: { min: number; max: number };
  intervalJitterPercentage: number;
  gracefulShutdownTimeout: number;
  rateLimit: { qps: number; burst: number };
  watchNamespace: string | undefined;
  leaderElection?: {
    enabled: true;
    leaseName: string;
    leaseNamespace: string;
    leaseDuration: number;
    renewDeadline: number;
    retryPeriod: number;
    releaseOnCancel: boolean;
  };
}

/** The shared flags, parsed: controller options plus process-level settings. */
export interface CommonControllerFlags extends CommandFlags {
  /** Options common to every controller's create function. */
  controller: CommonControllerSettings;
  /** RUNTIME_NAMESPACE (default `flux-system`). */
  runtimeNamespace: string;
}

/**
 * Validates the shared flags' `values` (see `commonControllerOptions`); `leaseName` is the controller's
 * leader election Lease. Throws {@link InvalidFlagError} naming the flag.
 */
export function parseCommonControllerFlags(
  values: CommonFlagValues,
  env: NodeJS.ProcessEnv,
  leaseName: string,
): CommonControllerFlags {
  const runtimeNamespace = env["RUNTIME_NAMESPACE"] || "flux-system";
  const minRetry = flagDuration("min-retry-delay", values["min-retry-delay"]);
  const maxRetry = flagDuration("max-retry-delay", values["max-retry-delay"]);
  if (maxRetry < minRetry) throw new InvalidFlagError("--max-retry-delay must not be shorter than --min-retry-delay");
  const jitter = flagInteger("interval-jitter-percentage", values["interval-jitter-percentage"], 0);
  if (jitter >= 100) throw new InvalidFlagError("--interval-jitter-percentage must be in [0, 100)");
  const controller: CommonControllerSettings = {
    concurrency: flagInteger("concurrent", values.concurrent, 1),
    eventsAddr: values["events-addr"] || undefined,
    metricsAddr: values["metrics-addr"],
    healthAddr: values["health-addr"],
    retryDelay: { min: minRetry, max: maxRetry },
    intervalJitterPercentage: jitter,
    gracefulShutdownTimeout: flagDuration("graceful-shutdown-timeout", values["graceful-shutdown-timeout"]),
    rateLimit: {
      qps: flagPositiveNumber("kube-api-qps", values["kube-api-qps"]),
      burst: flagInteger("kube-api-burst", values["kube-api-burst"], 1),
    },
    watchNamespace: values["watch-all-namespaces"] ? undefined : runtimeNamespace,
  };
  if (values["enable-leader-election"]) {
    controller.leaderElection = {
      enabled: true,
      leaseName,
      leaseNamespace: runtimeNamespace,
      leaseDuration: flagDuration("leader-election-lease-duration", values["leader-election-lease-duration"]),
      renewDeadline: flagDuration("leader-election-renew-deadline", values["leader-election-renew-deadline"]),
      retryPeriod: flagDuration("leader-election-retry-period", values["leader-election-retry-period"]),
      releaseOnCancel: values["leader-election-release-on-cancel"],
    };
  }
  return {
    controller,
    runtimeNamespace,
    kubeconfig: values.kubeconfig || undefined,
    logLevel: parseLogLevel(values["log-level"]),
    logEncoding: parseLogEncoding(values["log-encoding"]),
    help: values.help,
  };
}

/** The process-level settings (`--kubeconfig`, logging, `--help`) of parsed `flags`. */
export function commandFlags(flags: CommandFlags): CommandFlags {
  return { kubeconfig: flags.kubeconfig, logLevel: flags.logLevel, logEncoding: flags.logEncoding, help: flags.help };
}
