// The source-controller's command line, with Flux's flag names and defaults (and its environment fallbacks
// STORAGE_PATH, STORAGE_ADDR, STORAGE_ADV_ADDR, RUNTIME_NAMESPACE).

import { join } from "node:path";
import {
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
import {
  DEFAULT_CONCURRENCY,
  DEFAULT_LEADER_ELECTION_ID,
  DEFAULT_STORAGE_ADDR,
  type SourceControllerOptions,
} from "./controller.js";
import { validateLabelSelector } from "./internal/cache/index.js";

/** Error for a flag value that can't be used (the message names the flag). */
export { InvalidFlagError };

/** What the command line configures: the controller options plus process-level settings. */
export interface SourceControllerFlags extends CommandFlags {
  /** Options for {@link createSourceController} (without kubeconfig, client and logger). */
  controller: Omit<SourceControllerOptions, "kubeConfig" | "client" | "logger">;
}

const OPTIONS = {
  ...commonControllerOptions(DEFAULT_CONCURRENCY),
  "storage-path": { type: "string" },
  "storage-addr": { type: "string" },
  "storage-adv-addr": { type: "string" },
  "artifact-retention-ttl": { type: "string", default: "60s" },
  "artifact-retention-records": { type: "string", default: "2" },
  "requeue-dependency": { type: "string", default: "30s" },
  "watch-label-selector": { type: "string", default: "" },
} as const;

/** The usage text printed by `--help`. */
export const USAGE = `Usage: source-controller [flags]

  --concurrent int                      Objects of each kind reconciled at once (default 2)
  --storage-path string                 artifact directory (env STORAGE_PATH, default ./bin)
  --storage-addr string                 artifact server listen address (env STORAGE_ADDR, default :9090)
  --storage-adv-addr string             advertised artifact server address (env STORAGE_ADV_ADDR)
${COMMON_USAGE_ENDPOINTS}
  --artifact-retention-ttl dur          age after which old artifacts are removed (default 60s)
  --artifact-retention-records int      artifacts kept per object (default 2)
  --requeue-dependency dur              retry delay while an include has no artifact (default 30s)
  --min-retry-delay dur                 first retry delay after a failure (default 750ms)
  --max-retry-delay dur                 longest retry delay (default 15m)
  --interval-jitter-percentage int      jitter of spec.interval requeues (default 5)
  --watch-all-namespaces                watch all namespaces, else RUNTIME_NAMESPACE (default true)
  --watch-label-selector string         reconcile only objects with matching labels (sharding)
${COMMON_USAGE_PROCESS}
`;

/**
 * Parses the source-controller's flags (Flux's names, `--flag value` or `--flag=value`). Throws
 * {@link InvalidFlagError} (or node's parseArgs error for unknown flags) with a message naming the flag.
 */
export function parseSourceControllerFlags(
  argv: readonly string[],
  env: NodeJS.ProcessEnv = process.env,
  cwd: string = process.cwd(),
): SourceControllerFlags {
  const values = parseFlagValues(argv, OPTIONS);
  const common = parseCommonControllerFlags(values, env, DEFAULT_LEADER_ELECTION_ID);
  const controller: SourceControllerFlags["controller"] = {
    ...common.controller,
    storagePath: values["storage-path"] || env["STORAGE_PATH"] || join(cwd, "bin"),
    storageAddr: values["storage-addr"] || env["STORAGE_ADDR"] || DEFAULT_STORAGE_ADDR,
    storageAdvAddr: values["storage-adv-addr"] || env["STORAGE_ADV_ADDR"] || undefined,
    artifactRetentionTtlMs: duration("artifact-retention-ttl", values["artifact-retention-ttl"]),
    artifactRetentionRecords: integer("artifact-retention-records", values["artifact-retention-records"], 1),
    requeueDependencyMs: duration("requeue-dependency", values["requeue-dependency"]),
  };
  if (values["watch-label-selector"]) {
    try {
      controller.watchLabelSelector = validateLabelSelector(values["watch-label-selector"]);
    } catch (err: unknown) {
      throw new InvalidFlagError(`invalid value for --watch-label-selector: ${(err as Error).message}`);
    }
  }
  return { ...commandFlags(common), controller };
}
