import { WriteStream } from "node:fs";
import type { Writable } from "node:stream";
import pino, { type DestinationStream, type Logger, type LoggerOptions } from "pino";
import { BatchedStream, type BatchTarget } from "./batched-stream.js";
import { redactLogLine, redactText, redactValue } from "./redact.js";

/** Log levels accepted by `--log-level` (Flux uses debug, info, error; trace and warn also work). */
export const LOG_LEVELS = ["trace", "debug", "info", "warn", "error"] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** Values of `--log-encoding`. */
export const LOG_ENCODINGS = ["json", "console"] as const;
export type LogEncoding = (typeof LOG_ENCODINGS)[number];

export type { Logger };

/** Options of {@link createLogger}. */
export interface CreateLoggerOptions {
  /** `--log-level`, default `info`. */
  level?: LogLevel;
  /**
   * `--log-encoding`: `json` (default, one object per line) or `console` (human-readable via pino-pretty, which
   * is loaded only then).
   */
  encoding?: LogEncoding;
  /** Where lines go (default stdout). */
  destination?: DestinationStream | Writable;
  /** Fields on every line (e.g. `{ controller: "source-controller" }`). */
  base?: Record<string, unknown>;
}

/** Error thrown for an unknown `--log-level` or `--log-encoding` value. */
export class InvalidLogOptionError extends Error {
  constructor(flag: string, value: string, allowed: readonly string[]) {
    super(`invalid ${flag} "${value}": must be one of ${allowed.join(", ")}`);
    this.name = "InvalidLogOptionError";
  }
}

/** Validates a `--log-level` value. */
export function parseLogLevel(value: string): LogLevel {
  if ((LOG_LEVELS as readonly string[]).includes(value)) return value as LogLevel;
  throw new InvalidLogOptionError("--log-level", value, LOG_LEVELS);
}

/** Validates a `--log-encoding` value. */
export function parseLogEncoding(value: string): LogEncoding {
  if ((LOG_ENCODINGS as readonly string[]).includes(value)) return value as LogEncoding;
  throw new InvalidLogOptionError("--log-encoding", value, LOG_ENCODINGS);
}

/**
 * The process logger: structured JSON lines with `level`, `ts` (RFC 3339), `msg` and fields, or pino-pretty
 * console output (pino-pretty is imported only for `console`, so JSON-logging processes never load it). Every
 * field and message passes through {@link redactValue}, so Secret data, passwords, tokens, authorization
 * headers and URL credentials never reach the output.
 */
export async function createLogger(options: CreateLoggerOptions = {}): Promise<Logger> {
  const pinoOptions: LoggerOptions = {
    level: options.level ?? "info",
    base: options.base ?? null,
    messageKey: "msg",
    errorKey: "error",
    timestamp: () => `,"ts":"${new Date().toISOString()}"`,
    formatters: {
      level: (label) => ({ level: label }),
      log: (obj) => redactValue(withErrorStrings(obj)) as Record<string, unknown>,
    },
    // As Flux (zap): `error` is the error's message, a string; the stack only at debug (`stacktrace`).
    serializers: { error: errorString, err: errorString },
    hooks: {
      logMethod(args, method) {
        const scrubbed = args.map((a) => (typeof a === "string" ? redactText(a) : a)) as Parameters<typeof method>;
        const first = scrubbed[0] as unknown;
        if (this.isLevelEnabled("debug") && typeof first === "object" && first !== null) {
          const err = (first as { error?: unknown; err?: unknown }).error ?? (first as { err?: unknown }).err;
          if (err instanceof Error && err.stack) {
            (scrubbed as unknown[])[0] = { ...(first as object), stacktrace: redactText(err.stack) };
          }
        }
        method.apply(this, scrubbed);
      },
    },
  };
  const encoding = options.encoding ?? "json";
  if (encoding === "console") {
    const { default: PinoPretty } = await import("pino-pretty");
    const pretty = PinoPretty({
      colorize: false,
      sync: true,
      translateTime: "SYS:standard",
      ignore: "pid,hostname",
      messageKey: "msg",
      timestampKey: "ts",
      destination: (options.destination as Writable | undefined) ?? process.stdout,
    });
    return pino(pinoOptions, redactingStream(pretty));
  }
  // Lines to a descriptor (stdout, a log file) are batched; other streams (tests, pipes in-process) see each
  // line at once.
  const target = options.destination ?? pino.destination({ sync: false });
  const batched = !options.destination || options.destination instanceof WriteStream;
  return pino(pinoOptions, redactingStream(batched ? new BatchedStream(target as BatchTarget) : target));
}

/** The fields with `error`/`err` turned into strings (the formatter runs before pino's serializers). */
function withErrorStrings(obj: Record<string, unknown>): Record<string, unknown> {
  if (!("error" in obj) && !("err" in obj)) return obj;
  const out = { ...obj };
  if ("error" in out) out["error"] = errorString(out["error"]);
  if ("err" in out) out["err"] = errorString(out["err"]);
  return out;
}

/** An error as Flux logs it: its message, scrubbed. */
function errorString(err: unknown): unknown {
  if (typeof err === "string") return redactText(err);
  if (!(err instanceof Error)) return redactValue(err);
  return redactText(err.message || err.name);
}

/** Passes every serialized line through {@link redactLogLine} before `target` sees it. */
function redactingStream(target: DestinationStream | Writable | BatchedStream): DestinationStream {
  return {
    write: (line: string) => void target.write(redactLogLine(line)),
    // pino's logger.flush(): lines a BatchedStream or SonicBoom holds are written.
    flush: (cb?: (err?: Error | null) => void) => {
      const flushable = target as { flush?: (cb?: (err?: Error | null) => void) => void };
      if (typeof flushable.flush === "function" && !(target instanceof WriteStream)) flushable.flush(cb);
      else cb?.();
    },
  } as DestinationStream;
}

/** What a reconcile's log lines carry. */
export interface ReconcileLogContext {
  controller: string;
  kind: string;
  /** The API group of the kind (`source.toolkit.fluxcd.io`); "" for core kinds. */
  group?: string | undefined;
  namespace?: string | undefined;
  name: string;
  reconcileID: string;
}

/**
 * A child logger for one reconcile with controller-runtime's keys, as Flux's controllers print them:
 * `controller`, `controllerGroup`, `controllerKind`, `<Kind>: { name, namespace }`, `namespace`, `name`,
 * `reconcileID`.
 */
export function reconcileLogger(base: Logger, ctx: ReconcileLogContext): Logger {
  return base.child({
    controller: ctx.controller,
    controllerGroup: ctx.group ?? "",
    controllerKind: ctx.kind,
    ...(ctx.namespace ? { namespace: ctx.namespace } : {}),
    name: ctx.name,
    reconcileID: ctx.reconcileID,
    [ctx.kind]: { name: ctx.name, ...(ctx.namespace ? { namespace: ctx.namespace } : {}) },
  });
}
