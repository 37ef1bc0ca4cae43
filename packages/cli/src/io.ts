// The process-level inputs and outputs a command runs with; tests pass their own.

import type { Readable, Writable } from "node:stream";

/** Streams, environment and terminal facts of one CLI run. */
export interface CliIO {
  /** Standard input (commands reading a pipe: `envsubst`); none means empty. */
  stdin?: Readable;
  stdout: Writable;
  stderr: Writable;
  env: NodeJS.ProcessEnv;
  cwd: string;
  /** Whether stdout is an interactive terminal (spinners and colours only then). */
  isTTY: boolean;
  /** Terminal width used to fit tables; undefined when not a terminal (no truncation). */
  columns: number | undefined;
  /** Aborts long waits (Ctrl-C). */
  signal?: AbortSignal;
}

/** The real process's IO. */
export function processIO(): CliIO {
  const tty = Boolean(process.stdout.isTTY);
  return {
    stdin: process.stdin,
    stdout: process.stdout,
    stderr: process.stderr,
    env: process.env,
    cwd: process.cwd(),
    isTTY: tty,
    columns: tty ? process.stdout.columns : undefined,
  };
}
