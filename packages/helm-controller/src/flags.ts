// The helm-controller's command line: the runtime's shared controller flags plus every other flag of Flux's
// helm-controller main.go (its own and those the fluxcd/pkg option sets bind), with Flux's names and
// defaults, RUNTIME_NAMESPACE for the leader election Lease and --watch-all-namespaces=false, and Go-style
// `--bool=true|false`.

import { createHash } from "node:crypto";
import {
  defineControllerFlags,
  flagDuration as duration,
  InvalidFlagError,
  flagInteger as integer,
  parseLabelSelector,
  SHARED_FLAGS,
} from "@sluice/runtime";
import { DEFAULT_CONCURRENCY, DEFAULT_LEADER_ELECTION_ID, WATCH_LABEL } from "./controller.js";

/** Error for a flag value that can't be used (the message names the flag). */
export { InvalidFlagError };

/** helm-controller's feature gates (with fluxcd/pkg's shared ones) and their defaults. */
export const FEATURE_GATES: ReadonlyMap<string, boolean> = new Map([
  ["CacheSecretsAndConfigMaps", false],
  ["DetectDrift", false],
  ["CorrectDrift", false],
  ["AllowDNSLookups", false],
  ["OOMWatch", false],
  ["AdoptLegacyReleases", false],
  ["DisableChartDigestTracking", false],
  ["AdditiveCELDependencyCheck", false],
  ["ExternalArtifact", false],
  ["DisableConfigWatchers", false],
  ["DirectSourceFetch", false],
  ["UseHelm3Defaults", false],
  ["CancelHealthCheckOnNewRevision", false],
  ["DefaultToRetryOnFailure", false],
  ["ObjectLevelWorkloadIdentity", false],
]);

const COMMAND_LINE = defineControllerFlags({
  name: "helm-controller",
  leaseName: DEFAULT_LEADER_ELECTION_ID,
  concurrency: DEFAULT_CONCURRENCY,
  concurrentHelp: "HelmReleases reconciled at once",
  flags: {
    "requeue-dependency": SHARED_FLAGS.requeueDependency("30s"),
    "http-retry": { type: "string", default: "9", arg: "int", help: "chart artifact download retries" },
    "http-timeout": { type: "string", default: "30s", arg: "dur", help: "timeout of one chart artifact download" },
    "default-service-account": SHARED_FLAGS.defaultServiceAccount,
    "default-kubeconfig-service-account": {
      type: "string",
      default: "",
      arg: "string",
      help: "service account for spec.kubeConfig.configMapRef (workload identity; not supported)",
    },
    "no-cross-namespace-refs": {
      type: "boolean",
      default: false,
      help: "refuse chart sources in other namespaces (multi-tenancy lockdown)",
    },
    "override-manager": {
      type: "string",
      multiple: true,
      default: [] as string[],
      arg: "string",
      help: "field manager whose fields drift correction takes over (repeatable)",
    },
    "snapshot-digest-algo": {
      type: "string",
      default: "sha256",
      arg: "string",
      help: "digest of status.history snapshots (only sha256)",
    },
    "feature-gates": {
      type: "string",
      multiple: true,
      default: [] as string[],
      arg: "string",
      help: "e.g. DefaultToRetryOnFailure=true,ExternalArtifact=true",
    },
    "insecure-kubeconfig-exec": {
      type: "boolean",
      default: false,
      help: "allow exec credential plugins in spec.kubeConfig Secrets",
    },
    "insecure-kubeconfig-tls": {
      type: "boolean",
      default: false,
      help: "allow insecure-skip-tls-verify in spec.kubeConfig Secrets",
    },
    "watch-label-selector": {
      type: "string",
      default: "",
      arg: "string",
      help: "reconcile only HelmReleases with matching labels (sharding)",
    },
    "watch-configs-label-selector": {
      type: "string",
      default: `${WATCH_LABEL}=Enabled`,
      arg: "string",
      help: "ConfigMaps/Secrets whose changes trigger reconciles",
    },
    "oom-watch-memory-threshold": {
      type: "string",
      default: "95",
      arg: "int",
      help: "OOMWatch gate: memory use (%) that triggers a graceful stop (not implemented)",
    },
    "oom-watch-interval": {
      type: "string",
      default: "500ms",
      arg: "dur",
      help: "OOMWatch gate: how often memory is read",
    },
    "oom-watch-max-memory-path": {
      type: "string",
      default: "",
      arg: "string",
      help: "OOMWatch gate: cgroup memory limit file",
    },
    "oom-watch-current-memory-path": {
      type: "string",
      default: "",
      arg: "string",
      help: "OOMWatch gate: cgroup memory usage file",
    },
    "token-cache-max-size": SHARED_FLAGS.tokenCacheMaxSize,
    "token-cache-max-duration": SHARED_FLAGS.tokenCacheMaxDuration,
  },
  options: (values) => {
    const algo = values["snapshot-digest-algo"];
    if (algo !== "sha256") {
      throw new InvalidFlagError(`invalid value "${algo}" for --snapshot-digest-algo: only sha256 is supported`);
    }
    const threshold = integer("oom-watch-memory-threshold", values["oom-watch-memory-threshold"], 1);
    if (threshold > 100) throw new InvalidFlagError("--oom-watch-memory-threshold must be at most 100");
    duration("oom-watch-interval", values["oom-watch-interval"]);
    integer("token-cache-max-size", values["token-cache-max-size"], 0);
    duration("token-cache-max-duration", values["token-cache-max-duration"]);
    const selector = values["watch-label-selector"];
    return {
      requeueDependencyMs: duration("requeue-dependency", values["requeue-dependency"]),
      artifactFetchRetries: integer("http-retry", values["http-retry"], 0),
      artifactFetchTimeoutMs: duration("http-timeout", values["http-timeout"]),
      defaultServiceAccount: values["default-service-account"] || undefined,
      noCrossNamespaceRefs: values["no-cross-namespace-refs"],
      overrideManagers: [...values["override-manager"]],
      featureGates: parseFeatureGates(values["feature-gates"]),
      insecureKubeConfigExec: values["insecure-kubeconfig-exec"],
      insecureKubeConfigTls: values["insecure-kubeconfig-tls"],
      watchConfigsLabelSelector: values["watch-configs-label-selector"],
      ...(selector ? { watchLabelSelector: validateFlagSelector(selector) } : {}),
    };
  },
});

/** The usage text printed by `--help`. */
export const USAGE = COMMAND_LINE.usage;

/** What the command line configures: the options of `createHelmController` plus process-level settings. */
export type HelmControllerFlags = ReturnType<typeof parseHelmControllerFlags>;

/** Parses `--feature-gates` values (`A=true,B=false`, repeatable); unknown gates are refused as Flux does. */
export function parseFeatureGates(values: readonly string[]): Map<string, boolean> {
  const gates = new Map(FEATURE_GATES);
  for (const value of values) {
    for (const part of value
      .split(",")
      .map((p) => p.trim())
      .filter(Boolean)) {
      const [name = "", raw = "true"] = part.split("=");
      if (!gates.has(name)) {
        throw new InvalidFlagError(
          `invalid value "${value}" for --feature-gates: unrecognized feature gate: ${name} (known: ${[...FEATURE_GATES.keys()].join(", ")})`,
        );
      }
      if (!/^(true|false)$/i.test(raw)) {
        throw new InvalidFlagError(
          `invalid value "${value}" for --feature-gates: invalid value of ${name}=${raw}, err: not a bool`,
        );
      }
      gates.set(name, raw.toLowerCase() === "true");
    }
  }
  return gates;
}

/**
 * Parses the helm-controller's flags (Flux's names, `--flag value` or `--flag=value`, Go-style booleans).
 * Throws {@link InvalidFlagError} (or node's parseArgs error for unknown flags) naming the flag. With
 * `--watch-label-selector`, the shard gets its own leader election Lease (fluxcd/pkg's GenerateID).
 */
export function parseHelmControllerFlags(argv: readonly string[], env: NodeJS.ProcessEnv = process.env) {
  const flags = COMMAND_LINE.parse(argv, env);
  const selector = flags.controller.watchLabelSelector;
  if (selector && flags.controller.leaderElection) {
    flags.controller.leaderElection = {
      ...flags.controller.leaderElection,
      leaseName: leaseNameFor(DEFAULT_LEADER_ELECTION_ID, selector),
    };
  }
  return flags;
}

/** The leader election Lease of a shard: `<base>-<first 8 hex of sha256(selector)>` (fluxcd/pkg GenerateID). */
export function leaseNameFor(base: string, selector: string): string {
  return `${base}-${createHash("sha256").update(selector).digest("hex").slice(0, 8)}`;
}

function validateFlagSelector(selector: string): string {
  try {
    parseLabelSelector(selector);
    return selector;
  } catch (err: unknown) {
    throw new InvalidFlagError(`invalid value "${selector}" for --watch-label-selector: ${(err as Error).message}`);
  }
}
