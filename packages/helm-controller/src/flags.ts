// The helm-controller's command line: the runtime's shared controller flags plus its own, with Flux's names
// and defaults (RUNTIME_NAMESPACE for the leader election Lease and --watch-all-namespaces=false).

import { defineControllerFlags, flagDuration as duration, InvalidFlagError, SHARED_FLAGS } from "@sluice/runtime";
import { DEFAULT_CONCURRENCY, DEFAULT_LEADER_ELECTION_ID, WATCH_LABEL } from "./controller.js";

/** Error for a flag value that can't be used (the message names the flag). */
export { InvalidFlagError };

const COMMAND_LINE = defineControllerFlags({
  name: "helm-controller",
  leaseName: DEFAULT_LEADER_ELECTION_ID,
  concurrency: DEFAULT_CONCURRENCY,
  concurrentHelp: "HelmReleases reconciled at once",
  flags: {
    "requeue-dependency": SHARED_FLAGS.requeueDependency("5s"),
    "default-service-account": SHARED_FLAGS.defaultServiceAccount,
    "watch-configs-label-selector": {
      type: "string",
      default: `${WATCH_LABEL}=Enabled`,
      arg: "string",
      help: "ConfigMaps/Secrets whose changes trigger reconciles",
    },
  },
  options: (values) => ({
    requeueDependencyMs: duration("requeue-dependency", values["requeue-dependency"]),
    defaultServiceAccount: values["default-service-account"] || undefined,
    watchConfigsLabelSelector: values["watch-configs-label-selector"],
  }),
});

/** The usage text printed by `--help`. */
export const USAGE = COMMAND_LINE.usage;

/** What the command line configures: the options of `createHelmController` plus process-level settings. */
export type HelmControllerFlags = ReturnType<typeof parseHelmControllerFlags>;

/**
 * Parses the helm-controller's flags (Flux's names, `--flag value` or `--flag=value`). Throws
 * {@link InvalidFlagError} (or node's parseArgs error for unknown flags) naming the flag.
 */
export function parseHelmControllerFlags(argv: readonly string[], env: NodeJS.ProcessEnv = process.env) {
  return COMMAND_LINE.parse(argv, env);
}
