// The glue between commander and a command's code: builds the CommandContext from the global flags, runs the
// action and records its exit code, so every command file only writes `kit.action(async (ctx, opts, args) => …)`.

import type { Command } from "commander";
import { CommandContext, type GlobalFlags } from "./context.js";
import type { CliIO } from "./io.js";
import { explainError } from "./lib/explain-error.js";

/** Options of one command merged with the global ones (commander's `optsWithGlobals`). */
export type Opts = Record<string, unknown> & GlobalFlags;

/** A command body: resolves with its exit code (a number; anything else means 0) or throws (CliError or any error → exit 1). */
export type ActionFn = (ctx: CommandContext, opts: Opts, args: string[]) => Promise<unknown>;

/** Shared by all command files of one run. */
export interface CommandKit {
  io: CliIO;
  /** Wraps a command body as a commander action. */
  action(fn: ActionFn): (...args: unknown[]) => Promise<void>;
  /** The exit code set by the action that ran. */
  exitCode: number;
}

/** Makes the kit of one run. */
export function createCommandKit(io: CliIO): CommandKit {
  const kit: CommandKit = {
    io,
    exitCode: 0,
    action(fn) {
      return async (...args: unknown[]) => {
        const cmd = args[args.length - 1] as Command;
        const opts = cmd.optsWithGlobals() as Opts;
        const positional = (cmd.processedArgs as unknown[]).flatMap((a) =>
          Array.isArray(a) ? (a as string[]) : a === undefined ? [] : [String(a)],
        );
        const ctx = new CommandContext(io, {
          namespace: opts.namespace,
          timeout: opts.timeout,
          ...(opts.kubeconfig ? { kubeconfig: opts.kubeconfig } : {}),
          ...(opts.context ? { context: opts.context } : {}),
        });
        try {
          void ctx.timeoutMs; // a bad --timeout fails before anything is read or written
          const code = await fn(ctx, opts, positional);
          kit.exitCode = typeof code === "number" ? code : 0;
        } catch (err: unknown) {
          throw explainError(ctx, err);
        } finally {
          ctx.close();
        }
      };
    },
  };
  return kit;
}
