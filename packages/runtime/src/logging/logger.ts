import type { Writable } from "node:stream";
import pino, { type DestinationStream, type Logger, type LoggerOptions } from "pino";
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
      log: (obj) => redactValue(obj) as Record<string, unknown>,
    },
    // Error objects are scrubbed by the log formatter; keep pino from serializing them first.
    serializers: { error: (err: unknown) => redactValue(err), err: (err: unknown) => redactValue(err) },
    hooks: {
      logMethod(args, method) {
        const scrubbed = args.map((a) => (typeof a === "string" ? redactText(a) : a)) as Parameters<typeof method>;
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
  return pino(pinoOptions, redactingStream(options.destination ?? pino.destination({ sync: false })));
}

/** Passes every serialized line through {@link redactLogLine} before `target` sees it. */
function redactingStream(target: DestinationStream | Writable): DestinationStream {
  return { write: (line: string) => void target.write(redactLogLine(line)) };
}

/** What a reconcile's log lines carry. */
export interface ReconcileLogContext {
  controller: string;
  kind: string;
  namespace?: string | undefined;
  name: string;
  reconcileID: string;
}

/**
 * A child logger for one reconcile: `controller`, `kind`, `namespace`, `name`, `reconcileID` on every line,
 * plus the Flux-style `<Kind>: { name, namespace }` object.
 */
export function reconcileLogger(base: Logger, ctx: ReconcileLogContext): Logger {
  return base.child({
    controller: ctx.controller,
    kind: ctx.kind,
    ...(ctx.namespace ? { namespace: ctx.namespace } : {}),
    name: ctx.name,
    reconcileID: ctx.reconcileID,
    [ctx.kind]: { name: ctx.name, ...(ctx.namespace ? { namespace: ctx.namespace } : {}) },
  });
}
