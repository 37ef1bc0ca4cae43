// The image-automation-controller's command line: the runtime's shared controller flags plus Flux's
// image-automation-controller flags, with Flux's names and defaults.

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

/** Feature gates Flux's image-automation-controller knows (accepted; none changes behaviour here). */
export const FEATURE_GATES: ReadonlySet<string> = new Set([
  "GitShallowClone",
  "GitAllBranchReferences",
  "GitSparseCheckout",
  "GitForcePushBranch",
  "CacheSecretsAndConfigMaps",
  "ObjectLevelWorkloadIdentity",
]);

const COMMAND_LINE = defineControllerFlags({
  name: "image-automation-controller",
  leaseName: DEFAULT_LEADER_ELECTION_ID,
  concurrency: DEFAULT_CONCURRENCY,
  concurrentHelp: "ImageUpdateAutomations reconciled at once",
  flags: {
    "no-cross-namespace-refs": {
      type: "boolean",
      default: false,
      help: "refuse sourceRefs to GitRepositories in other namespaces",
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
      help: "e.g. GitShallowClone=true (accepted; clones are always shallow)",
    },
    "token-cache-max-size": SHARED_FLAGS.tokenCacheMaxSize,
    "token-cache-max-duration": SHARED_FLAGS.tokenCacheMaxDuration,
  },
  options: (values) => {
    integer("token-cache-max-size", values["token-cache-max-size"], 0);
    duration("token-cache-max-duration", values["token-cache-max-duration"]);
    for (const value of values["feature-gates"]) {
      for (const part of value
        .split(",")
        .map((p) => p.trim())
        .filter(Boolean)) {
        const [gate = "", raw = "true"] = part.split("=");
        if (!FEATURE_GATES.has(gate) || !/^(true|false)$/i.test(raw)) {
          throw new InvalidFlagError(
            `invalid value "${value}" for --feature-gates: unrecognized feature gate or value: ${part}`,
          );
        }
      }
    }
    const selector = values["watch-label-selector"];
    if (selector) {
      try {
        parseLabelSelector(selector);
      } catch (err: unknown) {
        throw new InvalidFlagError(`invalid value "${selector}" for --watch-label-selector: ${(err as Error).message}`);
      }
    }
    return {
      noCrossNamespaceRefs: values["no-cross-namespace-refs"],
      ...(selector ? { watchLabelSelector: selector } : {}),
    };
  },
});

/** The usage text printed by `--help`. */
export const USAGE = COMMAND_LINE.usage;

/** Parses the image-automation-controller's flags; throws InvalidFlagError naming a bad flag. */
export function parseImageAutomationControllerFlags(argv: readonly string[], env: NodeJS.ProcessEnv = process.env) {
  return COMMAND_LINE.parse(argv, env);
}

/** What the command line configures. */
export type ImageAutomationControllerFlags = ReturnType<typeof parseImageAutomationControllerFlags>;
