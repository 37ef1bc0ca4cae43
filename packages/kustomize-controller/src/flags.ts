// The kustomize-controller's command line, with Flux's flag names and defaults (and the environment
// fallbacks RUNTIME_NAMESPACE and SOURCE_CONTROLLER_LOCALHOST).

import {
  artifactHostFromEnv,
  COMMON_USAGE_ENDPOINTS,
  COMMON_USAGE_PROCESS,
  type CommandFlags,
  commandFlags,
  commonControllerOptions,
  flagDuration as duration,
  InvalidFlagError,
  flagInteger as integer,
  parseCommonControllerFlags,
  parseFlagValues,
} from "@sluice/runtime";
import { DEFAULT_CONCURRENCY, DEFAULT_LEADER_ELECTION_ID, type KustomizeControllerOptions } from "./controller.js";

/** Error for a flag value that can't be used (the message names the flag). */
export { InvalidFlagError };

/** What the command line configures: the controller options plus process-level settings. */
export interface KustomizeControllerFlags extends CommandFlags {
  /** Options for {@link createKustomizeController} (without kubeconfig, client and logger). */
  controller: Omit<KustomizeControllerOptions, "kubeConfig" | "client" | "logger">;
}

const OPTIONS = {
  ...commonControllerOptions(DEFAULT_CONCURRENCY),
  "concurrent-ssa": { type: "string", default: "4" },
  "requeue-dependency": { type: "string", default: "30s" },
  "no-remote-bases": { type: "boolean", default: false },
  "no-cross-namespace-refs": { type: "boolean", default: false },
  "default-service-account": { type: "string", default: "" },
  "override-manager": { type: "string", multiple: true, default: [] as string[] },
  "http-retry": { type: "string", default: "9" },
  "custom-apply-stage-kinds": { type: "string", default: "" },
  "feature-gates": { type: "string", default: "" },
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
${COMMON_USAGE_ENDPOINTS}
  --min-retry-delay dur                 first retry delay after an error (default 750ms)
  --max-retry-delay dur                 longest retry delay (default 15m)
  --interval-jitter-percentage int      jitter of spec.interval requeues (default 5)
  --watch-all-namespaces                watch all namespaces, else RUNTIME_NAMESPACE (default true)
${COMMON_USAGE_PROCESS}
`;

const FEATURE_GATES = new Set(["StrictPostBuildSubstitutions"]);

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

/**
 * Parses the kustomize-controller's flags (Flux's names, `--flag value` or `--flag=value`). Throws
 * {@link InvalidFlagError} (or node's parseArgs error for unknown flags) with a message naming the flag.
 */
export function parseKustomizeControllerFlags(
  argv: readonly string[],
  env: NodeJS.ProcessEnv = process.env,
): KustomizeControllerFlags {
  const values = parseFlagValues(argv, OPTIONS);
  const common = parseCommonControllerFlags(values, env, DEFAULT_LEADER_ELECTION_ID);
  const gates = parseFeatureGates(values["feature-gates"]);
  const controller: KustomizeControllerFlags["controller"] = {
    ...common.controller,
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
  };
  return { ...commandFlags(common), controller };
}
