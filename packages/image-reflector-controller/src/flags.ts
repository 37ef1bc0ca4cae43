// The image-reflector-controller's command line: the runtime's shared controller flags plus Flux's
// image-reflector-controller flags (main.go and the fluxcd/pkg option sets it binds), with Flux's names and
// defaults. Badger-only flags are accepted and have no effect (tags are stored as files, as Flux's
// filesystem storage does).

import {
  defineControllerFlags,
  flagDuration as duration,
  InvalidFlagError,
  flagInteger as integer,
  parseLabelSelector,
  SHARED_FLAGS,
} from "@sluice/runtime";
import { DEFAULT_CONCURRENCY, DEFAULT_LEADER_ELECTION_ID } from "./controller.js";

/** Error for a flag value that can't be used (the message names the flag). */
export { InvalidFlagError };

/** Feature gates Flux's image-reflector-controller knows (all accepted; none changes behaviour here). */
export const FEATURE_GATES: ReadonlySet<string> = new Set([
  "CacheSecretsAndConfigMaps",
  "ObjectLevelWorkloadIdentity",
  "FilesystemStorage",
]);

const COMMAND_LINE = defineControllerFlags({
  name: "image-reflector-controller",
  leaseName: DEFAULT_LEADER_ELECTION_ID,
  concurrency: DEFAULT_CONCURRENCY,
  concurrentHelp: "objects of each kind reconciled at once",
  flags: {
    "storage-path": {
      type: "string",
      default: "/data",
      arg: "string",
      help: "where the tag database is kept (one file per ImageRepository)",
    },
    "storage-compression-threshold": {
      type: "string",
      default: "64",
      arg: "int",
      help: "tag data size in KiB from which a repository's tags are stored gzipped",
    },
    "storage-max-tags": {
      type: "string",
      default: "100000",
      arg: "int",
      help: "most tags stored per ImageRepository; a larger scan fails (Sluice's bound)",
    },
    "storage-value-log-file-size": {
      type: "string",
      default: String(1 << 28),
      arg: "int",
      help: "Badger value log size (accepted, unused: tags are stored as files)",
    },
    "gc-interval": {
      type: "string",
      default: "10",
      arg: "int",
      help: "minutes between Badger garbage collections (accepted, unused)",
    },
    "requeue-dependency": SHARED_FLAGS.requeueDependency("30s"),
    "default-service-account": SHARED_FLAGS.defaultServiceAccount,
    "no-cross-namespace-refs": {
      type: "boolean",
      default: false,
      help: "refuse ImagePolicies referring to ImageRepositories in other namespaces",
    },
    "watch-label-selector": {
      type: "string",
      default: "",
      arg: "string",
      help: "reconcile only objects with matching labels (sharding)",
    },
    "feature-gates": {
      type: "string",
      multiple: true,
      default: [] as string[],
      arg: "string",
      help: "e.g. ObjectLevelWorkloadIdentity=true (accepted; no gate changes behaviour)",
    },
    "token-cache-max-size": SHARED_FLAGS.tokenCacheMaxSize,
    "token-cache-max-duration": SHARED_FLAGS.tokenCacheMaxDuration,
  },
  options: (values) => {
    integer("storage-value-log-file-size", values["storage-value-log-file-size"], 0);
    integer("gc-interval", values["gc-interval"], 0);
    integer("token-cache-max-size", values["token-cache-max-size"], 0);
    duration("token-cache-max-duration", values["token-cache-max-duration"]);
    checkFeatureGates(values["feature-gates"]);
    const selector = values["watch-label-selector"];
    if (selector) {
      try {
        parseLabelSelector(selector);
      } catch (err: unknown) {
        throw new InvalidFlagError(`invalid value "${selector}" for --watch-label-selector: ${(err as Error).message}`);
      }
    }
    return {
      storagePath: values["storage-path"],
      storageCompressionThreshold:
        integer("storage-compression-threshold", values["storage-compression-threshold"], 0) * 1024,
      storageMaxTags: integer("storage-max-tags", values["storage-max-tags"], 1),
      requeueDependencyMs: duration("requeue-dependency", values["requeue-dependency"]),
      defaultServiceAccount: values["default-service-account"] || undefined,
      noCrossNamespaceRefs: values["no-cross-namespace-refs"],
      ...(selector ? { watchLabelSelector: selector } : {}),
    };
  },
});

function checkFeatureGates(values: readonly string[]): void {
  for (const value of values) {
    for (const part of value
      .split(",")
      .map((p) => p.trim())
      .filter(Boolean)) {
      const [name = "", raw = "true"] = part.split("=");
      if (!FEATURE_GATES.has(name)) {
        throw new InvalidFlagError(
          `invalid value "${value}" for --feature-gates: unrecognized feature gate: ${name} (known: ${[...FEATURE_GATES].join(", ")})`,
        );
      }
      if (!/^(true|false)$/i.test(raw)) {
        throw new InvalidFlagError(
          `invalid value "${value}" for --feature-gates: invalid value of ${name}=${raw}, err: not a bool`,
        );
      }
    }
  }
}

/** The usage text printed by `--help`. */
export const USAGE = COMMAND_LINE.usage;

/** Parses the image-reflector-controller's flags; throws InvalidFlagError naming a bad flag. */
export function parseImageReflectorControllerFlags(argv: readonly string[], env: NodeJS.ProcessEnv = process.env) {
  return COMMAND_LINE.parse(argv, env);
}

/** What the command line configures. */
export type ImageReflectorControllerFlags = ReturnType<typeof parseImageReflectorControllerFlags>;
