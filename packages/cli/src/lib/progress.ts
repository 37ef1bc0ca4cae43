// Flux-style progress lines on stderr (`✚ generating`, `► applying`, `◎ waiting`, `✔ done`, `✗ failed`), with a
// spinner while waiting when stderr is a terminal.

import yoctoSpinner, { type Spinner } from "yocto-spinner";
import type { CliIO } from "../io.js";

/** Writes the progress lines of one command. */
export class Progress {
  private spinner: Spinner | undefined;

  constructor(private readonly io: CliIO) {}

  /** `✚ …`: generating manifests. */
  generate(msg: string): void {
    this.line("✚", msg);
  }

  /** `► …`: an action starts. */
  action(msg: string): void {
    this.line("►", msg);
  }

  /** `◎ …`: waiting; shows a spinner on a terminal until the next line. */
  waiting(msg: string): void {
    this.line("◎", msg);
    if (this.io.stderr === process.stderr && process.stderr.isTTY) {
      this.spinner = yoctoSpinner({ text: msg, stream: process.stderr }).start();
    }
  }

  /** `✔ …`: a step succeeded. */
  success(msg: string): void {
    this.line("✔", msg);
  }

  /** `✗ …`: a step failed. */
  failure(msg: string): void {
    this.line("✗", msg);
  }

  /** `! …`: a warning. */
  warning(msg: string): void {
    this.line("!", msg);
  }

  /** Stops a running spinner (call before exiting). */
  stop(): void {
    this.spinner?.stop();
    this.spinner = undefined;
  }

  private line(symbol: string, msg: string): void {
    this.stop();
    this.io.stderr.write(`${symbol} ${msg}\n`);
  }
}
