// The kustomize-controller's command line: the runtime's shared controller flags plus its own, with Flux's
// names and defaults (and the environment fallbacks RUNTIME_NAMESPACE and SOURCE_CONTROLLER_LOCALHOST).

import { artifactHostFromEnv } from "@sluice/runtime/artifact";
import {
  defineControllerFlags,
  flagDuration as duration,
  InvalidFlagError,
  flagInteger as integer,
  SHARED_FLAGS,
} from "@sluice/runtime/flags";
import { DEFAULT_CONCURRENCY, DEFAULT_LEADER_ELECTION_ID } from "./controller.js";

/** Error for a flag value that can't be used (the message names the flag). */
export { InvalidFlagError };

const COMMAND_LINE = defineControllerFlags({
  name: "kustomize-controller",
  leaseName: DEFAULT_LEADER_ELECTION_ID,
  concurrency: DEFAULT_CONCURRENCY,
  concurrentHelp: "Kustomizations reconciled at once",
  flags: {
    "concurrent-ssa": {
      type: "string",
      default: "4",
      arg: "int",
      help: "objects dry-run/applied at once per Kustomization",
    },
    "requeue-dependency": SHARED_FLAGS.requeueDependency("30s"),
    "no-remote-bases": { type: "boolean", default: false, help: "refuse kustomizations referencing remote bases" },
    "no-cross-namespace-refs": { type: "boolean", default: false, help: "refuse sourceRefs to other namespaces" },
    "default-service-account": SHARED_FLAGS.defaultServiceAccount,
    "override-manager": {
      type: "string",
      multiple: true,
      default: [] as string[],
      arg: "string",
      help: "field manager whose fields are taken over (repeatable)",
    },
    "http-retry": { type: "string", default: "9", arg: "int", help: "artifact download retries" },
    "custom-apply-stage-kinds": {
      type: "string",
      default: "",
      arg: "string",
      help: "comma-separated group/Kind applied in a stage before the rest",
    },
    "feature-gates": {
      type: "string",
      default: "",
      arg: "string",
      help: "e.g. StrictPostBuildSubstitutions=false,ExternalArtifact=true (StrictPostBuildSubstitutions is on by default)",
    },
  },
  options: (values, { env }) => ({
    concurrentSsa: integer("concurrent-ssa", values["concurrent-ssa"], 1),
    dependencyRequeueMs: duration("requeue-dependency", values["requeue-dependency"]),
    noRemoteBases: values["no-remote-bases"],
    noCrossNamespaceRefs: values["no-cross-namespace-refs"],
    defaultServiceAccount: values["default-service-account"] || undefined,
    overrideManagers: [...values["override-manager"]],
    artifactFetchRetries: integer("http-retry", values["http-retry"], 0),
    customStageKinds: parseGroupKinds(values["custom-apply-stage-kinds"]),
    artifactHostOverride: artifactHostFromEnv(env),
    ...featureGateOptions(parseFeatureGates(values["feature-gates"])),
  }),
});

/** The usage text printed by `--help`. */
export const USAGE = COMMAND_LINE.usage;

/** What the command line configures: the options of `createKustomizeController` plus process-level settings. */
export type KustomizeControllerFlags = ReturnType<typeof parseKustomizeControllerFlags>;

const FEATURE_GATES = new Set(["StrictPostBuildSubstitutions", "ExternalArtifact"]);

/**
 * The reconciler options of the feature gates, with Flux's defaults: StrictPostBuildSubstitutions is on
 * (opt-out since kustomize-controller v1.9), ExternalArtifact off (opt-in).
 */
function featureGateOptions(gates: Map<string, boolean>) {
  return {
    strictSubstitutions: gates.get("StrictPostBuildSubstitutions") ?? true,
    allowExternalArtifact: gates.get("ExternalArtifact") === true,
  };
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

/**
 * Parses the kustomize-controller's flags (Flux's names, `--flag value` or `--flag=value`). Throws
 * {@link InvalidFlagError} (or node's parseArgs error for unknown flags) with a message naming the flag.
 */
export function parseKustomizeControllerFlags(argv: readonly string[], env: NodeJS.ProcessEnv = process.env) {
  return COMMAND_LINE.parse(argv, env);
}
