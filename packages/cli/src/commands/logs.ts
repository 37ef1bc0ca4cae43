// `sluice logs`: the controllers' log lines in flux logs' layout, filtered by kind, name, namespace and level —
// from the log files of a `sluice up` running on this machine (when the kubeconfig in use is its), else from
// the controllers' Pods through the pods/log API.

import { parseDuration } from "@sluice/api";
import { type Command, Option } from "commander";
import type { CommandKit, Opts } from "../command-kit.js";
import type { CommandContext } from "../context.js";
import { CliError } from "../errors.js";
import { localUp } from "../lib/local-up.js";
import { formatLog, type LogFilter, matchesLog, parseLogLine } from "../lib/log-entry.js";
import { type ReadOptions, readLogFiles, readPodLogs } from "../lib/log-sources.js";

/** Registers `sluice logs`. */
export function registerLogs(program: Command, kit: CommandKit): void {
  program
    .command("logs")
    .description("Display formatted logs for Flux components")
    .addOption(new Option("--level <level>", "log level").choices(["debug", "info", "error"]))
    .option("--kind <kind>", "displays errors of a particular toolkit kind e.g GitRepository")
    .option("--name <name>", "specifies the name of the object logs to be displayed")
    .option("-f, --follow", "specifies if the logs should be streamed")
    .option("--tail <n>", "lines of recent log file to display", "-1")
    .option("--since <duration>", "only return logs newer than a relative duration like 5s, 2m, or 3h")
    .option("--since-time <time>", "only return logs after a specific date (RFC3339)")
    .option("--flux-namespace <ns>", "the namespace where the Flux components are running", "flux-system")
    .option("-A, --all-namespaces", "displays logs for objects across all namespaces")
    .action(kit.action((ctx, opts) => logs(ctx, opts)));
}

async function logs(ctx: CommandContext, opts: Opts): Promise<void> {
  const tail = Number(opts["tail"]);
  if (!Number.isInteger(tail) || tail < -1)
    throw new CliError(`invalid --tail "${opts["tail"]}": want a number of lines`);
  const since = typeof opts["since"] === "string" ? opts["since"] : undefined;
  const sinceTime = typeof opts["sinceTime"] === "string" ? opts["sinceTime"] : undefined;
  if (since && sinceTime) throw new CliError("at most one of --since-time or --since may be specified");
  let sinceMs: number | undefined;
  if (since) {
    try {
      sinceMs = Date.now() - parseDuration(since);
    } catch {
      throw new CliError(`invalid --since "${since}": want a duration like 5s, 2m or 3h`);
    }
  } else if (sinceTime) {
    sinceMs = Date.parse(sinceTime);
    if (Number.isNaN(sinceMs)) throw new CliError(`${sinceTime} is not a valid (RFC3339) time`);
  }
  const filter: LogFilter = {
    level: opts["level"] as string | undefined,
    kind: opts["kind"] as string | undefined,
    name: opts["name"] as string | undefined,
    namespace: opts["allNamespaces"] ? undefined : ctx.namespace,
  };
  const stop = new AbortController();
  const onSignal = () => stop.abort();
  ctx.io.signal?.addEventListener("abort", onSignal, { once: true });
  const follow = Boolean(opts["follow"]);
  if (follow) process.once("SIGINT", onSignal);
  const read: ReadOptions = {
    follow,
    signal: stop.signal,
    tail: tail >= 0 ? tail : undefined,
    sinceSeconds: sinceMs !== undefined ? Math.max(1, Math.ceil((Date.now() - sinceMs) / 1000)) : undefined,
  };
  const sink = (line: string) => {
    const entry = parseLogLine(line);
    if (entry && matchesLog(entry, filter)) ctx.out(formatLog(entry));
  };
  try {
    const up = localUp(ctx);
    if (up?.logDir) {
      // Files hold everything: --since is applied here (the pods/log API applies it on the server).
      filter.sinceMs = sinceMs;
      await readLogFiles(up.logDir, read, sink);
    } else await readPodLogs(ctx, String(opts["fluxNamespace"]), read, sink);
  } finally {
    process.off("SIGINT", onSignal);
  }
}
