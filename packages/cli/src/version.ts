// The CLI's own version (kept in step with package.json by the version test).

/** The version `sluice version` and `--version` print. */
export const CLI_VERSION = "0.1.0";
