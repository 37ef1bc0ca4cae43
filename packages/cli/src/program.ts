// The command tree of `sluice` and `run(argv, io)`, the in-process entry used by main.ts and tests.
// Each command group lives in its own file under commands/ and registers itself on the program.

import { Command, CommanderError, Option } from "commander";
import { type CommandKit, createCommandKit } from "./command-kit.js";
import { registerBootstrap } from "./commands/bootstrap.js";
import { registerBuildDiff } from "./commands/build-diff.js";
import { registerCheck } from "./commands/check.js";
import { registerCompletion } from "./commands/completion.js";
import { registerCreate } from "./commands/create.js";
import { registerCreateSecret } from "./commands/create-secret.js";
import { registerDelete } from "./commands/delete.js";
import { registerEnvsubst } from "./commands/envsubst.js";
import { registerEvents } from "./commands/events.js";
import { registerExport } from "./commands/export.js";
import { registerGet } from "./commands/get.js";
import { registerImage } from "./commands/image.js";
import { registerInstall } from "./commands/install.js";
import { registerLogs } from "./commands/logs.js";
import { registerNotification } from "./commands/notification.js";
import { registerReconcile } from "./commands/reconcile.js";
import { registerStats } from "./commands/stats.js";
import { registerSuspendResume } from "./commands/suspend-resume.js";
import { registerTrace } from "./commands/trace.js";
import { registerTree } from "./commands/tree.js";
import { registerUp } from "./commands/up.js";
import { registerVersion } from "./commands/version.js";
import { DEFAULT_NAMESPACE, DEFAULT_TIMEOUT } from "./context.js";
import { CliError, errorMessage } from "./errors.js";
import { normalizeGoBooleans } from "./go-booleans.js";
import { type CliIO, processIO } from "./io.js";

/** Builds the `sluice` program for one run (commander keeps per-run state, so never reuse it). */
export function buildProgram(kit: CommandKit): Command {
  const program = new Command("sluice")
    .description("Command line utility for assembling Kubernetes CD pipelines the GitOps way (Flux-compatible).")
    .option("--kubeconfig <path>", "path to the kubeconfig file (default $KUBECONFIG or ~/.kube/config)")
    .option("--context <name>", "kubernetes context to use")
    .addOption(new Option("-n, --namespace <ns>", "the namespace scope for this operation").default(DEFAULT_NAMESPACE))
    .addOption(new Option("--timeout <duration>", "timeout for this operation").default(DEFAULT_TIMEOUT))
    .showSuggestionAfterError(true)
    .exitOverride()
    .configureOutput({
      writeOut: (s) => kit.io.stdout.write(s),
      writeErr: (s) => kit.io.stderr.write(s),
      // One line per parse error (commander puts its suggestion on a second line).
      outputError: (s, write) =>
        write(
          `✗ ${s
            .replace(/^error: /, "")
            .replace(/\s*\n\s*/g, " ")
            .trim()}\n`,
        ),
    });
  program.configureHelp({ helpWidth: kit.io.columns ?? 100, sortSubcommands: false });

  registerInstall(program, kit);
  registerBootstrap(program, kit);
  registerCheck(program, kit);
  registerCreate(program, kit);
  registerCreateSecret(program, kit);
  registerGet(program, kit);
  registerReconcile(program, kit);
  registerSuspendResume(program, kit);
  registerExport(program, kit);
  registerNotification(program, kit);
  registerImage(program, kit);
  registerDelete(program, kit);
  registerBuildDiff(program, kit);
  registerEvents(program, kit);
  registerTree(program, kit);
  registerTrace(program, kit);
  registerLogs(program, kit);
  registerEnvsubst(program, kit);
  registerStats(program, kit);
  registerVersion(program, kit);
  registerCompletion(program, kit);
  registerUp(program, kit);
  return program;
}

/**
 * Runs `sluice` with `argv` (without node and script) and resolves with the exit code: 0 on success, 1 on a
 * failed command, a bad flag or a missing object, with one `✗ …` line on stderr.
 */
export async function run(argv: readonly string[], io: CliIO = processIO()): Promise<number> {
  const kit = createCommandKit(io);
  const program = buildProgram(kit);
  // Commander inherits exitOverride/output settings only for commands made after they are set; apply them to all.
  for (const cmd of allCommands(program)) {
    cmd.exitOverride();
    cmd.configureOutput(program.configureOutput());
    cmd.showSuggestionAfterError(true);
  }
  try {
    // `--prune=true` / `--wait=false` as the flux CLI accepts them.
    await program.parseAsync(normalizeGoBooleans(program, argv), { from: "user" });
    return kit.exitCode;
  } catch (err: unknown) {
    if (err instanceof CommanderError) {
      // Help and version exit 0; a parse error was already written by outputError.
      return err.exitCode === 0 ? 0 : err.exitCode || 1;
    }
    io.stderr.write(`✗ ${errorMessage(err)}\n`);
    return err instanceof CliError ? err.exitCode : 1;
  }
}

function allCommands(cmd: Command): Command[] {
  return [cmd, ...cmd.commands.flatMap((c) => allCommands(c))];
}
