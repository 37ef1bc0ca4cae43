// The source-watcher's command line: the runtime's shared controller flags plus its own, with Flux's names and
// defaults (and the environment fallbacks STORAGE_PATH, STORAGE_ADDR, STORAGE_ADV_ADDR, SOURCE_CONTROLLER_LOCALHOST).

import { join } from "node:path";
import {
  artifactHostFromEnv,
  defineControllerFlags,
  flagDuration as duration,
  InvalidFlagError,
  flagInteger as integer,
  SHARED_FLAGS,
} from "@sluice/runtime";
import { artifactStorageFlags } from "@sluice/source-controller/storage";
import { DEFAULT_CONCURRENCY, DEFAULT_LEADER_ELECTION_ID, DEFAULT_STORAGE_ADDR } from "./controller.js";

/** Error for a flag value that can't be used (the message names the flag). */
export { InvalidFlagError };

const COMMAND_LINE = defineControllerFlags({
  name: "source-watcher",
  leaseName: DEFAULT_LEADER_ELECTION_ID,
  concurrency: DEFAULT_CONCURRENCY,
  concurrentHelp: "ArtifactGenerators reconciled at once",
  flags: {
    ...artifactStorageFlags(DEFAULT_STORAGE_ADDR),
    "requeue-dependency": SHARED_FLAGS.requeueDependency("5s"),
    "no-cross-namespace-refs": { type: "boolean", default: false, help: "refuse sources in other namespaces" },
    "http-retry": { type: "string", default: "9", arg: "int", help: "source artifact download retries" },
  },
  options: (values, { env, cwd }) => ({
    storagePath: values["storage-path"] || env["STORAGE_PATH"] || join(cwd, "bin"),
    storageAddr: values["storage-addr"] || env["STORAGE_ADDR"] || DEFAULT_STORAGE_ADDR,
    storageAdvAddr: values["storage-adv-addr"] || env["STORAGE_ADV_ADDR"] || undefined,
    artifactRetentionTtlMs: duration("artifact-retention-ttl", values["artifact-retention-ttl"]),
    artifactRetentionRecords: integer("artifact-retention-records", values["artifact-retention-records"], 1),
    requeueDependencyMs: duration("requeue-dependency", values["requeue-dependency"]),
    noCrossNamespaceRefs: values["no-cross-namespace-refs"],
    artifactFetchRetries: integer("http-retry", values["http-retry"], 0),
    artifactHostOverride: artifactHostFromEnv(env),
  }),
});

/** The usage text printed by `--help`. */
export const USAGE = COMMAND_LINE.usage;

/** What the command line configures: the options of `createSourceWatcher` plus process-level settings. */
export type SourceWatcherFlags = ReturnType<typeof parseSourceWatcherFlags>;

/**
 * Parses the source-watcher's flags (Flux's names, `--flag value` or `--flag=value`). Throws
 * {@link InvalidFlagError} (or node's parseArgs error for unknown flags) with a message naming the flag.
 */
export function parseSourceWatcherFlags(
  argv: readonly string[],
  env: NodeJS.ProcessEnv = process.env,
  cwd: string = process.cwd(),
) {
  return COMMAND_LINE.parse(argv, env, cwd);
}
