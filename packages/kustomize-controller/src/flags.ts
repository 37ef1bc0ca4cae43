// The kustomize-controller's command line, with Flux's flag names and defaults (and the environment
// fallbacks RUNTIME_NAMESPACE and SOURCE_CONTROLLER_LOCALHOST).

import { parseArgs } from "node:util";
import { parseDuration } from "@sluice/api";
import { artifactHostFromEnv, type LogEncoding, type LogLevel, parseLogEncoding, parseLogLevel } from "@sluice/runtime";
import { DEFAULT_CONCURRENCY, DEFAULT_LEADER_ELECTION_ID, type KustomizeControllerOptions } from "./controller.js";

/** Error for a flag value that can't be used (the message names the flag). */
export class InvalidFlagError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "InvalidFlagError";
  }
}

/** What the command line configures: the controller options plus process-level settings. */
export interface KustomizeControllerFlags {
  /** Options for {@link createKustomizeController} (without kubeconfig, client and logger). */
  controller: Omit<KustomizeControllerOptions, "kubeConfig" | "client" | "logger">;
  /** `--kubeconfig` (default: KUBECONFIG, ~/.kube/config or in-cluster). */
  kubeconfig: string | undefined;
  logLevel: LogLevel;
  logEncoding: LogEncoding;
  help: boolean;
}

const OPTIONS = {
  concurrent: { type: "string", default: String(DEFAULT_CONCURRENCY) },
  "concurrent-ssa": { type: "string", default: "4" },
  "requeue-dependency": { type: "string", default: "30s" },
  "no-remote-bases": { type: "boolean", default: false },
  "no-cross-namespace-refs": { type: "boolean", default: false },
  "default-service-account": { type: "string", default: "" },
  "override-manager": { type: "string", multiple: true, default: [] as string[] },
  "http-retry": { type: "string", default: "9" },
  "custom-apply-stage-kinds": { type: "string", default: "" },
  "feature-gates": { type: "string", default: "" },
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

/** The usage text printed by `--help`. */
export const USAGE = `Usage: kustomize-controller [flags]

  --concurrent int                      Kustomizations reconciled at once (default 4)
  --concurrent-ssa int                  objects dry-run/applied at once per Kustomization (default 4)
  --requeue-dependency dur              retry delay while a source or dependency is not ready (default 30s)
  --no-remote-bases                     refuse kustomizations referencing remote bases
  --no-cross-namespace-refs             refuse sourceRefs to other namespaces
  --default-service-account string      service account impersonated when spec.serviceAccountName is empty
  --override-manager string             field manager whose fields are taken over (repeatable)
  --http-retry int                      artifact download retries (default 9)
  --custom-apply-stage-kinds string     comma-separated group/Kind applied in a stage before the rest
  --feature-gates string                e.g. StrictPostBuildSubstitutions=true
  --events-addr string                  notification-controller event endpoint
  --metrics-addr string                 metrics listen address, 0 disables (default :8080)
  --health-addr string                  health probe listen address, 0 disables (default :9440)
  --enable-leader-election              only the Lease holder reconciles
  --leader-election-lease-duration dur  (default 35s)
  --leader-election-renew-deadline dur  (default 30s)
  --leader-election-retry-period dur    (default 5s)
  --leader-election-release-on-cancel   (default true)
  --min-retry-delay dur                 first retry delay after an error (default 750ms)
  --max-retry-delay dur                 longest retry delay (default 15m)
  --interval-jitter-percentage int      jitter of spec.interval requeues (default 5)
  --watch-all-namespaces                watch all namespaces, else RUNTIME_NAMESPACE (default true)
  --graceful-shutdown-timeout dur       how long in-flight reconciles may finish on shutdown (default 600s)
  --kube-api-qps float / --kube-api-burst int   API rate limit (default 50 / 300)
  --kubeconfig string                   kubeconfig path (default KUBECONFIG, ~/.kube/config, in-cluster)
  --log-level string                    trace, debug, info, warn, error (default info)
  --log-encoding string                 json or console (default json)
`;

const FEATURE_GATES = new Set(["StrictPostBuildSubstitutions"]);

function duration(flag: string, value: string): number {
  try {
    return parseDuration(value);
  } catch {
    throw new InvalidFlagError(`invalid value "${value}" for --${flag}: expected a duration such as 30s or 5m`);
  }
}

function integer(flag: string, value: string, min: number): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < min) {
    throw new InvalidFlagError(`invalid value "${value}" for --${flag}: expected an integer >= ${min}`);
  }
  return n;
}

function positiveNumber(flag: string, value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) {
    throw new InvalidFlagError(`invalid value "${value}" for --${flag}: expected a number > 0`);
  }
  return n;
}

/** Parses `--feature-gates=A=true,B=false`; unknown gates are refused. */
export function parseFeatureGates(value: string): Map<string, boolean> {
  const gates = new Map<string, boolean>();
  for (const part of value
    .split(",")
    .map((p) => p.trim())
    .filter(Boolean)) {
    const [name = "", raw = "true"] = part.split("=");
    if (!FEATURE_GATES.has(name)) {
      throw new InvalidFlagError(
        `invalid value "${value}" for --feature-gates: unknown feature gate '${name}' (known: ${[...FEATURE_GATES].join(", ")})`,
      );
    }
    if (raw !== "true" && raw !== "false") {
      throw new InvalidFlagError(`invalid value "${value}" for --feature-gates: '${name}' must be true or false`);
    }
    gates.set(name, raw === "true");
  }
  return gates;
}

/** Parses `--custom-apply-stage-kinds` (`group/Kind,…`; `Kind` alone for the core group). */
export function parseGroupKinds(value: string): string[] {
  const kinds = value
    .split(",")
    .map((p) => p.trim())
    .filter(Boolean);
  for (const gk of kinds) {
    const kind = gk.slice(gk.lastIndexOf("/") + 1);
    if (!/^[A-Z][A-Za-z0-9]*$/.test(kind)) {
      throw new InvalidFlagError(
        `invalid value "${value}" for --custom-apply-stage-kinds: '${gk}' is not a group/Kind such as rbac.authorization.k8s.io/Role`,
      );
    }
  }
  return kinds;
}

/** `--flag=true|false` for booleans (Go's flag package accepts it; Node 20's parseArgs does not). */
function splitBooleanValues(argv: readonly string[]): { args: string[]; falseFlags: string[] } {
  const args: string[] = [];
  const falseFlags: string[] = [];
  for (const arg of argv) {
    const m = /^--([a-z-]+)=(true|false)$/.exec(arg);
    const name = m?.[1];
    if (m && name && (OPTIONS as Record<string, { type: string }>)[name]?.type === "boolean") {
      if (m[2] === "true") args.push(`--${name}`);
      else falseFlags.push(name);
      continue;
    }
    args.push(arg);
  }
  return { args, falseFlags };
}

/**
 * Parses the kustomize-controller's flags (Flux's names, `--flag value` or `--flag=value`). Throws
 * {@link InvalidFlagError} (or node's parseArgs error for unknown flags) with a message naming the flag.
 */
export function parseKustomizeControllerFlags(
  argv: readonly string[],
  env: NodeJS.ProcessEnv = process.env,
): KustomizeControllerFlags {
  const { args, falseFlags } = splitBooleanValues(argv);
  const { values } = parseArgs({ args, options: OPTIONS, strict: true, allowPositionals: false });
  for (const name of falseFlags) (values as Record<string, unknown>)[name] = false;
  const runtimeNamespace = env["RUNTIME_NAMESPACE"] || "flux-system";
  const minRetry = duration("min-retry-delay", values["min-retry-delay"]);
  const maxRetry = duration("max-retry-delay", values["max-retry-delay"]);
  if (maxRetry < minRetry) throw new InvalidFlagError("--max-retry-delay must not be shorter than --min-retry-delay");
  const jitter = integer("interval-jitter-percentage", values["interval-jitter-percentage"], 0);
  if (jitter >= 100) throw new InvalidFlagError("--interval-jitter-percentage must be in [0, 100)");
  const gates = parseFeatureGates(values["feature-gates"]);
  const controller: KustomizeControllerFlags["controller"] = {
    concurrency: integer("concurrent", values.concurrent, 1),
    concurrentSsa: integer("concurrent-ssa", values["concurrent-ssa"], 1),
    dependencyRequeueMs: duration("requeue-dependency", values["requeue-dependency"]),
    noRemoteBases: values["no-remote-bases"],
    noCrossNamespaceRefs: values["no-cross-namespace-refs"],
    defaultServiceAccount: values["default-service-account"] || undefined,
    overrideManagers: [...values["override-manager"]],
    artifactFetchRetries: integer("http-retry", values["http-retry"], 0),
    customStageKinds: parseGroupKinds(values["custom-apply-stage-kinds"]),
    artifactHostOverride: artifactHostFromEnv(env),
    strictSubstitutions: gates.get("StrictPostBuildSubstitutions") === true,
    eventsAddr: values["events-addr"] || undefined,
    metricsAddr: values["metrics-addr"],
    healthAddr: values["health-addr"],
    retryDelay: { min: minRetry, max: maxRetry },
    intervalJitterPercentage: jitter,
    gracefulShutdownTimeout: duration("graceful-shutdown-timeout", values["graceful-shutdown-timeout"]),
    rateLimit: {
      qps: positiveNumber("kube-api-qps", values["kube-api-qps"]),
      burst: integer("kube-api-burst", values["kube-api-burst"], 1),
    },
    watchNamespace: values["watch-all-namespaces"] ? undefined : runtimeNamespace,
  };
  if (values["enable-leader-election"]) {
    controller.leaderElection = {
      enabled: true,
      leaseName: DEFAULT_LEADER_ELECTION_ID,
      leaseNamespace: runtimeNamespace,
      leaseDuration: duration("leader-election-lease-duration", values["leader-election-lease-duration"]),
      renewDeadline: duration("leader-election-renew-deadline", values["leader-election-renew-deadline"]),
      retryPeriod: duration("leader-election-retry-period", values["leader-election-retry-period"]),
      releaseOnCancel: values["leader-election-release-on-cancel"],
    };
  }
  return {
    controller,
    kubeconfig: values.kubeconfig || undefined,
    logLevel: parseLogLevel(values["log-level"]),
    logEncoding: parseLogEncoding(values["log-encoding"]),
    help: values.help,
  };
}
