// Runs git (through simple-git) with a prepared environment, a shared abort signal, and error
// classification with credentials redacted.

import { simpleGit } from "simple-git";
import { classifyGitOutput, GitError, GitErrorKind, summarizeGitOutput } from "./errors.js";
import { redactSecrets } from "./url.js";

/** Options of {@link GitRunner}. */
export interface GitRunnerOptions {
  env: Record<string, string>;
  /** The (redacted) URL errors name. */
  url: string;
  secrets: readonly string[];
  signal: AbortSignal;
  /** Milliseconds the whole operation may take (for the timeout message). */
  timeoutMs: number;
  /** Whether credentials were configured (to explain an authentication failure). */
  hasCredentials: boolean;
}

/** Executes git commands for one checkout, recording the command of each invocation. */
export class GitRunner {
  /** The git sub-commands run so far (`ls-remote`, `clone`, `fetch`, …), in order. */
  readonly operations: string[] = [];

  constructor(readonly options: GitRunnerOptions) {}

  /**
   * Runs `git <args>` in `cwd` and returns stdout. Failures become a {@link GitError} whose message is
   * `<context>: <cause from stderr>` with secrets redacted; an abort becomes kind `timeout`.
   */
  async run(cwd: string, args: string[], context: string): Promise<string> {
    // Commands are run without --quiet on purpose: simple-git waits an extra 50 ms before completing a
    // process that printed nothing, and the progress lines git prints instead cost nothing.
    const { env, signal, secrets } = this.options;
    this.operations.push(args.find((a) => !a.startsWith("-")) ?? args[0] ?? "");
    if (signal.aborted) throw this.#timeout(context);
    const git = simpleGit({
      baseDir: cwd,
      abort: signal,
      maxConcurrentProcesses: 1,
      trimmed: false,
      unsafe: {
        allowUnsafeConfigEnvCount: true,
        allowUnsafeConfigPaths: true,
        allowUnsafeSshCommand: true,
        allowUnsafeAskPass: true,
        allowUnsafeCredentialHelper: true,
        allowUnsafeHooksPath: true,
        allowUnsafeGpgProgram: true,
      },
    }).env(env);
    try {
      return await git.raw(args);
    } catch (err: unknown) {
      if (signal.aborted) throw this.#timeout(context, err);
      const raw = err instanceof Error ? err.message : String(err);
      const output = redactSecrets(raw, secrets);
      const kind = classifyGitOutput(output);
      let cause = summarizeGitOutput(output) || "git failed";
      if (kind === GitErrorKind.Authentication && /could not read (Username|Password)/i.test(output)) {
        // git asks for credentials after a 401 even when it sent some; say what actually happened.
        cause = this.options.hasCredentials
          ? "authentication failed: the server rejected the configured credentials (HTTP 401)"
          : "authentication required: the server asked for credentials and none are configured";
      }
      throw new GitError(`${context}: ${cause}`, kind, this.options.url);
    }
  }

  #timeout(context: string, cause?: unknown): GitError {
    const reason = this.options.signal.reason;
    if (reason instanceof GitError) return reason;
    return new GitError(
      `${context}: operation timed out after ${this.options.timeoutMs}ms`,
      GitErrorKind.Timeout,
      this.options.url,
      cause === undefined ? undefined : { cause },
    );
  }
}
