// Errors a command ends with: a one-line message and an exit code.

import { ApiError } from "@sluice/runtime/kube";

/** A failure to report as one line (`✗ message`) with a non-zero exit code. */
export class CliError extends Error {
  constructor(
    message: string,
    /** Process exit code (default 1). */
    readonly exitCode = 1,
  ) {
    super(message);
    this.name = "CliError";
  }
}

/** The one-line text of any error a command throws (API errors keep the server's message). */
export function errorMessage(err: unknown): string {
  if (err instanceof ApiError) return err.message.split("\n")[0] ?? err.message;
  if (err instanceof Error) return (err.message.split("\n")[0] ?? err.message).trim();
  return String(err);
}
