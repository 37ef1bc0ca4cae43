// What every command gets: the global flags, the IO and a lazily made Kubernetes client.

import { parseDuration } from "@sluice/api";
import { KubeClient, KubeConfig } from "@sluice/runtime/kube";
import { CliError } from "./errors.js";
import type { CliIO } from "./io.js";

/** The default namespace of every command, as flux's `-n`. */
export const DEFAULT_NAMESPACE = "flux-system";
/** The default `--timeout`, as flux's. */
export const DEFAULT_TIMEOUT = "5m0s";

/** Flags every command accepts. */
export interface GlobalFlags {
  kubeconfig?: string;
  context?: string;
  namespace: string;
  timeout: string;
}

/** One command's runtime: IO, global flags, the API client. */
export class CommandContext {
  private client: KubeClient | undefined;

  constructor(
    readonly io: CliIO,
    readonly flags: GlobalFlags,
  ) {}

  /** The namespace from `-n` (default flux-system). */
  get namespace(): string {
    return this.flags.namespace;
  }

  /** `--timeout` in milliseconds. */
  get timeoutMs(): number {
    try {
      return parseDuration(this.flags.timeout);
    } catch {
      throw new CliError(`invalid --timeout "${this.flags.timeout}": want a duration like 30s, 5m or 1h`);
    }
  }

  /** The kubeconfig selected by `--kubeconfig`/`KUBECONFIG`/`~/.kube/config` and `--context`. */
  kubeConfig(): KubeConfig {
    const kc = new KubeConfig();
    const path = this.flags.kubeconfig ?? this.io.env["KUBECONFIG"];
    try {
      if (path) {
        // KUBECONFIG may hold several files; the first existing one is enough for the CLI.
        const first = path.split(process.platform === "win32" ? ";" : ":").find((p) => p !== "");
        kc.loadFromFile(first ?? path);
      } else kc.loadFromDefault();
    } catch (err: unknown) {
      throw new CliError(`cannot load kubeconfig ${path ?? "(default)"}: ${(err as Error).message}`);
    }
    if (this.flags.context) {
      if (!kc.getContextObject(this.flags.context)) {
        throw new CliError(`context "${this.flags.context}" does not exist in the kubeconfig`);
      }
      kc.setCurrentContext(this.flags.context);
    }
    if (!kc.getCurrentCluster()) throw new CliError("no Kubernetes cluster configured: use --kubeconfig or KUBECONFIG");
    return kc;
  }

  /** The shared API client (made on first use). */
  kube(): KubeClient {
    this.client ??= KubeClient.fromKubeConfig(this.kubeConfig(), { rateLimit: false });
    return this.client;
  }

  /** Writes a line to stdout. */
  out(line = ""): void {
    this.io.stdout.write(`${line}\n`);
  }

  /** Writes a line to stderr (progress and errors, as flux). */
  err(line = ""): void {
    this.io.stderr.write(`${line}\n`);
  }

  /** Closes connections of the client. */
  close(): void {
    this.client?.close();
  }
}
