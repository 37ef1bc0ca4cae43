// The artifact storage flags (Flux's `--storage-*` and `--artifact-retention-*`), the same for every artifact
// producer: source-controller and source-watcher.

/** The storage flags' definitions, for `defineControllerFlags`; `defaultAddr` is shown in the help. */
export function artifactStorageFlags(defaultAddr: string) {
  return {
    "storage-path": { type: "string", arg: "string", help: "artifact directory (env STORAGE_PATH, default ./bin)" },
    "storage-addr": {
      type: "string",
      arg: "string",
      help: `artifact server listen address (env STORAGE_ADDR, default ${defaultAddr})`,
    },
    "storage-adv-addr": {
      type: "string",
      arg: "string",
      help: "advertised artifact server address (env STORAGE_ADV_ADDR)",
    },
    "artifact-retention-ttl": {
      type: "string",
      default: "60s",
      arg: "dur",
      help: "age after which old artifacts are removed",
    },
    "artifact-retention-records": {
      type: "string",
      default: "2",
      arg: "int",
      help: "artifacts kept per object",
    },
  } as const;
}
