// `sluice up`: the whole GitOps loop on this machine — the embedded API server (or `--kubeconfig`'s cluster),
// the CRDs and every available controller in this process — until Ctrl-C or SIGTERM; `--demo` adds a local
// Git repository with an app and narrates what reconciles.

import { createLogger, type LogLevel, parseLogEncoding, parseLogLevel } from "@sluice/runtime/logging";
import { resolveTool } from "@sluice/runtime/tools";
import { type Command, Option } from "commander";
import type { CommandKit } from "../command-kit.js";
import { CliError, errorMessage } from "../errors.js";
import { tuneHeapForUp } from "../up/heap-tuning.js";
import { upRecordPath, writeUpRecord } from "../up/up-registry.js";
import type { UpSession } from "../up/up-session.js";

function parsePort(value: string, flag = "--port"): number {
  const port = Number(value);
  if (!/^\d+$/.test(value) || port > 65535)
    throw new CliError(`invalid ${flag} "${value}": want a port number 0-65535`);
  return port;
}

/** How to run kubectl in the printed lines: `kubectl` when it is on PATH, else the bundled binary. */
function kubectlCommand(): string {
  try {
    const tool = resolveTool("kubectl");
    return tool.source === "path" ? "kubectl" : tool.path;
  } catch {
    return "kubectl";
  }
}

/** Resolves when `signal` aborts. */
function aborted(signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) resolve();
    else signal.addEventListener("abort", () => resolve(), { once: true });
  });
}

/** Registers `sluice up`. */
export function registerUp(program: Command, kit: CommandKit): void {
  program
    .command("up")
    .description(
      "Run Sluice on this machine: an embedded Kubernetes API server, the CRDs and every controller in one process " +
        "(with the global --kubeconfig: the controllers against that cluster instead). Ctrl-C stops everything.",
    )
    .option("--port <n>", "port of the embedded API server (0 picks a free port)", "0")
    .option("--data-dir <dir>", "keep the API server's state, artifacts and demo repository here (default: in memory)")
    .option("--write-kubeconfig <file>", "write the embedded API server's kubeconfig to this file")
    .option("--controllers <list>", "controllers to run: all, none (API server only) or a comma-separated list", "all")
    .option("--demo", "create a local Git repository with a demo app, deploy it and narrate what reconciles")
    .option(
      "--ui-port <n>",
      "port of the web UI (default 9400, or a free port when 9400 is taken; 0 picks a free port)",
    )
    .option("--no-ui", "do not start the web UI")
    .addOption(
      new Option(
        "--log-level <level>",
        "log level: trace, debug, info, warn, error (default info; warn with --demo, so the narration stands out)",
      ),
    )
    .addOption(
      new Option(
        "--log-encoding <encoding>",
        "also print sluice up's own log lines on stderr in this encoding: console or json (controllers always log JSON to <state dir>/logs/<controller>.log)",
      ),
    )
    .action(
      kit.action(async (ctx, opts) => {
        // Loaded on use: the API server and the controllers are heavy, and other commands never need them.
        const { bannerLines, ControllerSelectionError, parseControllerList, startUp } = await import("../up/index.js");
        const io = ctx.io;
        let controllers: ReturnType<typeof parseControllerList>;
        try {
          controllers = parseControllerList(String(opts["controllers"] ?? "all"));
        } catch (err: unknown) {
          if (err instanceof ControllerSelectionError) throw new CliError(err.message);
          throw err;
        }
        let logger: Awaited<ReturnType<typeof createLogger>>;
        let level: LogLevel;
        try {
          level = parseLogLevel(
            typeof opts["logLevel"] === "string" ? opts["logLevel"] : opts["demo"] === true ? "warn" : "info",
          );
          // Controllers log JSON to files (`sluice logs` reads them); the terminal keeps the narration and
          // progress, plus sluice up's own log lines only when --log-encoding asks for them.
          logger =
            typeof opts["logEncoding"] === "string"
              ? await createLogger({ level, encoding: parseLogEncoding(opts["logEncoding"]), destination: io.stderr })
              : await createLogger({ level: "error", encoding: "json", destination: io.stderr });
        } catch (err: unknown) {
          throw new CliError(errorMessage(err));
        }
        const demo = opts["demo"] === true;
        // With --log-encoding json, stderr is a JSON stream: the progress lines are JSON lines too.
        const jsonStderr = opts["logEncoding"] === "json";
        const say = (msg: string) => {
          if (jsonStderr) io.stderr.write(`${JSON.stringify({ level: "info", ts: new Date().toISOString(), msg })}\n`);
          else ctx.err(msg);
        };

        const stop = new AbortController();
        const onSignal = (signal: NodeJS.Signals) => {
          if (stop.signal.aborted) {
            say(`received ${signal} again: exiting now`);
            process.exit(130);
          }
          say(`received ${signal}: stopping`);
          stop.abort(signal);
        };
        process.on("SIGINT", onSignal);
        process.on("SIGTERM", onSignal);
        io.signal?.addEventListener("abort", () => stop.abort(io.signal?.reason), { once: true });
        let session: UpSession | undefined;
        let removeRecord = () => {};
        try {
          say(opts.kubeconfig ? `using the cluster of ${opts.kubeconfig}` : "starting the embedded API server");
          tuneHeapForUp();
          session = await startUp({
            port: parsePort(String(opts["port"] ?? "0")),
            dataDir: typeof opts["dataDir"] === "string" ? opts["dataDir"] : undefined,
            kubeconfig: opts.kubeconfig,
            context: opts.context,
            writeKubeconfig: typeof opts["writeKubeconfig"] === "string" ? opts["writeKubeconfig"] : undefined,
            controllers,
            demo,
            ui: opts["ui"] !== false,
            uiPort: typeof opts["uiPort"] === "string" ? parsePort(opts["uiPort"], "--ui-port") : undefined,
            logger,
            fileLogs: { level },
            narrate: (line) => ctx.out(`• ${line}`),
          });
          removeRecord = writeUpRecord(upRecordPath(io.env), {
            pid: process.pid,
            kubeconfig: session.kubeconfigPath,
            server: session.apiUrl,
            logDir: session.logDir ?? "",
            controllers: session.controllers.map((c) => ({
              name: c.name,
              health: c.addresses.health,
              metrics: c.addresses.metrics,
            })),
          });
          for (const line of bannerLines(session, kubectlCommand(), controllers)) ctx.out(line);
          if (demo && !session.controllers.some((c) => c.name === "kustomize-controller")) {
            ctx.out(
              "• kustomize-controller isn't available in this build: the demo's source is fetched, its Kustomizations stay pending",
            );
          }
          const outcome = await Promise.race([aborted(stop.signal).then(() => "stopped" as const), session.failed]);
          return outcome === "stopped" ? 0 : 1;
        } catch (err: unknown) {
          if (err instanceof CliError) throw err;
          throw new CliError(`sluice up failed: ${errorMessage(err)}`);
        } finally {
          removeRecord();
          await session?.stop();
          logger.flush();
          process.off("SIGINT", onSignal);
          process.off("SIGTERM", onSignal);
          if (session) say("stopped");
        }
      }),
    );
}
