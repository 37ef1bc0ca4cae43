// What every command gets: the global flags, the IO and a lazily made Kubernetes client.

import { existsSync } from "node:fs";
import { homedir } from "node:os";
import { join, resolve } from "node:path";
import { parseDuration } from "@sluice/api";
import { KubeClient, KubeConfig } from "@sluice/runtime/kube";
import { CliError } from "./errors.js";
import type { CliIO } from "./io.js";
import { runningUp } from "./up/up-registry.js";

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

  /**
   * The kubeconfig selected by `--kubeconfig`/`KUBECONFIG`/`~/.kube/config` and `--context`; without any of
   * them, the in-cluster config, else the kubeconfig of a `sluice up` running on this machine.
   */
  kubeConfig(): KubeConfig {
    const kc = new KubeConfig();
    const path = this.kubeconfigPath();
    try {
      if (path) kc.loadFromFile(path);
      else kc.loadFromCluster();
    } catch (err: unknown) {
      throw new CliError(`cannot load kubeconfig ${path ?? "(in-cluster)"}: ${(err as Error).message}`);
    }
    if (this.flags.context) {
      if (!kc.getContextObject(this.flags.context)) {
        throw new CliError(`context "${this.flags.context}" does not exist in the kubeconfig ${path ?? ""}`.trim());
      }
      kc.setCurrentContext(this.flags.context);
    }
    if (!kc.getCurrentCluster()) {
      throw new CliError(`the kubeconfig ${path} has no current context: pass --context or set current-context`);
    }
    return kc;
  }

  /** The kubeconfig file in use (undefined: in-cluster); throws naming the fix when there is none. */
  kubeconfigPath(): string | undefined {
    const env = this.io.env;
    if (this.flags.kubeconfig) return resolve(this.io.cwd, this.flags.kubeconfig);
    // KUBECONFIG may hold several files; the first existing one is enough for the CLI.
    const listed = (env["KUBECONFIG"] ?? "").split(process.platform === "win32" ? ";" : ":").filter((p) => p !== "");
    if (listed.length > 0) return resolve(this.io.cwd, listed.find((p) => existsSync(p)) ?? listed[0]!);
    const home = join(env["HOME"] || homedir(), ".kube", "config");
    if (existsSync(home)) return home;
    if (env["KUBERNETES_SERVICE_HOST"]) return undefined;
    const up = runningUp(env);
    if (up) return up.kubeconfig;
    throw new CliError(
      `no kubeconfig found: KUBECONFIG is not set and ${home} does not exist; pass --kubeconfig <file>, set KUBECONFIG, or start a local cluster with \`sluice up\``,
    );
  }

  /** The API server URL the kubeconfig points at ("" when it cannot be read). */
  serverUrl(): string {
    try {
      return this.kubeConfig().getCurrentCluster()?.server ?? "";
    } catch {
      return "";
    }
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
