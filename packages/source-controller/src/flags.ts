// The source-controller's command line: the runtime's shared controller flags plus its own, with Flux's names
// and defaults (and its environment fallbacks STORAGE_PATH, STORAGE_ADDR, STORAGE_ADV_ADDR, RUNTIME_NAMESPACE).

import { join } from "node:path";
import {
  defineControllerFlags,
  flagDuration as duration,
  InvalidFlagError,
  flagInteger as integer,
  SHARED_FLAGS,
} from "@sluice/runtime/flags";
import { DEFAULT_CONCURRENCY, DEFAULT_LEADER_ELECTION_ID, DEFAULT_STORAGE_ADDR } from "./controller.js";
import { validateLabelSelector } from "./internal/cache/index.js";
import { artifactStorageFlags } from "./storage-flags.js";

/** Error for a flag value that can't be used (the message names the flag). */
export { InvalidFlagError };

const COMMAND_LINE = defineControllerFlags({
  name: "source-controller",
  leaseName: DEFAULT_LEADER_ELECTION_ID,
  concurrency: DEFAULT_CONCURRENCY,
  concurrentHelp: "objects of each kind reconciled at once",
  flags: {
    ...artifactStorageFlags(DEFAULT_STORAGE_ADDR),
    "requeue-dependency": SHARED_FLAGS.requeueDependency("30s"),
    "helm-cache-max-size": {
      type: "string",
      default: "0",
      arg: "int",
      help: "The maximum size of the cache in number of indexes.",
    },
    "helm-cache-ttl": {
      type: "string",
      default: "15m",
      arg: "string",
      help: "The TTL of an index in the cache. Valid time units are ns, us (or µs), ms, s, m, h.",
    },
    "helm-cache-purge-interval": {
      type: "string",
      default: "1m",
      arg: "string",
      help: "The interval at which the cache is purged. Valid time units are ns, us (or µs), ms, s, m, h.",
    },
    "watch-label-selector": {
      type: "string",
      default: "",
      arg: "string",
      help: "reconcile only objects with matching labels (sharding)",
    },
  },
  options: (values, { env, cwd }) => ({
    storagePath: values["storage-path"] || env["STORAGE_PATH"] || join(cwd, "bin"),
    storageAddr: values["storage-addr"] || env["STORAGE_ADDR"] || DEFAULT_STORAGE_ADDR,
    storageAdvAddr: values["storage-adv-addr"] || env["STORAGE_ADV_ADDR"] || undefined,
    artifactRetentionTtlMs: duration("artifact-retention-ttl", values["artifact-retention-ttl"]),
    artifactRetentionRecords: integer("artifact-retention-records", values["artifact-retention-records"], 1),
    requeueDependencyMs: duration("requeue-dependency", values["requeue-dependency"]),
    watchLabelSelector: watchLabelSelector(values["watch-label-selector"]),
    helmCacheMaxSize: integer("helm-cache-max-size", values["helm-cache-max-size"], 0),
    helmCacheTtlMs: duration("helm-cache-ttl", values["helm-cache-ttl"]),
    helmCachePurgeIntervalMs: duration("helm-cache-purge-interval", values["helm-cache-purge-interval"]),
  }),
});

function watchLabelSelector(value: string): string | undefined {
  if (!value) return undefined;
  try {
    return validateLabelSelector(value);
  } catch (err: unknown) {
    throw new InvalidFlagError(`invalid value for --watch-label-selector: ${(err as Error).message}`);
  }
}

/** The usage text printed by `--help`. */
export const USAGE = COMMAND_LINE.usage;

/** What the command line configures: the options of `createSourceController` plus process-level settings. */
export type SourceControllerFlags = ReturnType<typeof parseSourceControllerFlags>;

/**
 * Parses the source-controller's flags (Flux's names, `--flag value` or `--flag=value`). Throws
 * {@link InvalidFlagError} (or node's parseArgs error for unknown flags) with a message naming the flag.
 */
export function parseSourceControllerFlags(
  argv: readonly string[],
  env: NodeJS.ProcessEnv = process.env,
  cwd: string = process.cwd(),
) {
  return COMMAND_LINE.parse(argv, env, cwd);
}
