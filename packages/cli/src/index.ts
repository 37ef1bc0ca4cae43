// Public entry of @sluice/cli: the in-process runner (tests, embedding) and its building blocks.

export { type ActionFn, type CommandKit, createCommandKit, type Opts } from "./command-kit.js";
export { CommandContext, DEFAULT_NAMESPACE, DEFAULT_TIMEOUT, type GlobalFlags } from "./context.js";
export { CliError, errorMessage } from "./errors.js";
export { type CliIO, processIO } from "./io.js";
export { buildProgram, run } from "./program.js";
export { CLI_VERSION } from "./version.js";
