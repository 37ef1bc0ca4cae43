// Runs the real `helm` binary against a cluster: a private kubeconfig file (0600, removed afterwards) so no
// credential ever reaches argv or logs, and private HELM_* cache/config/data directories per process.

import { execFile } from "node:child_process";
import { chmod, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { resolveTool } from "@sluice/runtime";
import { FifoPool } from "../postrender/fifo-pool.js";
import { openPostRenderChannel, type PostRenderChannel } from "../postrender/post-render-channel.js";

/** A helm command that exited non-zero; the message is helm's own stderr (trimmed). */
export class HelmCommandError extends Error {
  constructor(
    /** The helm sub-command (`install`, `upgrade`, …). */
    readonly command: string,
    message: string,
    /** Exit code of the process (undefined when it was killed). */
    readonly exitCode: number | undefined,
  ) {
    super(message);
    this.name = "HelmCommandError";
  }
}

/** Settings of a {@link HelmRunner}. */
export interface HelmRunnerOptions {
  /** Path of the helm binary (default `resolveTool("helm")`). */
  helmPath?: string | undefined;
  /** Directory holding HELM_PLUGINS (post-renderer plugins); default none. */
  pluginsDir?: string | undefined;
}

/**
 * Turns helm's stderr into the error text the Helm action returned, as helm-controller reports it: the
 * `Error:` lines when there are any (else every line but warnings and logs), without the `Error: ` prefix
 * and the `INSTALLATION FAILED: ` / `UPGRADE FAILED: ` wrapping the helm CLI adds.
 */
export function helmErrorText(stderr: string): string {
  const lines = stderr
    .split("\n")
    .map((l) => l.trimEnd())
    .filter((l) => l !== "" && !/^WARNING: /.test(l) && !/^(time=\S+ )?level=(WARN|INFO|DEBUG)/.test(l));
  const errors = lines.filter((l) => l.startsWith("Error: "));
  const text = (errors.length > 0 ? errors : lines)
    .join("\n")
    .replace(/^Error: /gm, "")
    .replace(/^(INSTALLATION|UPGRADE) FAILED: /gm, "");
  return text || "helm failed without an error message";
}

/**
 * Runs helm sub-commands with a kubeconfig given as text. Each call writes the kubeconfig to a fresh 0600
 * file in a 0700 directory, runs helm with `--kubeconfig <file>` and removes the directory afterwards.
 */
export class HelmRunner {
  readonly #helm: string;
  readonly #pluginsDir: string | undefined;
  #homes: Promise<string> | undefined;
  readonly #fifos = new FifoPool();

  constructor(options: HelmRunnerOptions = {}) {
    this.#helm = options.helmPath ?? resolveTool("helm").path;
    this.#pluginsDir = options.pluginsDir;
  }

  /** The helm binary used. */
  get helmPath(): string {
    return this.#helm;
  }

  async #home(): Promise<string> {
    this.#homes ??= mkdtemp(join(tmpdir(), "sluice-helm-home-"));
    return this.#homes;
  }

  /**
   * Runs `helm <args> --kubeconfig <private file>` and resolves with stdout; rejects with a
   * {@link HelmCommandError} carrying helm's stderr. `files` are written next to the kubeconfig (0600) and
   * their paths substituted for `{{file:<name>}}` in `args`; `{{post-render}}` is the private directory where
   * `postRender` answers the post-render plugin's requests while helm runs.
   */
  async run(
    args: readonly string[],
    kubeconfig: string,
    options: {
      files?: Record<string, string>;
      signal?: AbortSignal;
      timeoutMs?: number;
      postRender?: ((manifests: string) => Promise<string>) | undefined;
    } = {},
  ): Promise<string> {
    const dir = await mkdtemp(join(tmpdir(), "sluice-helm-"));
    let channel: PostRenderChannel | undefined;
    let fifos: string | undefined;
    try {
      await chmod(dir, 0o700);
      const kubeconfigPath = join(dir, "kubeconfig");
      await writeFile(kubeconfigPath, kubeconfig, { mode: 0o600 });
      const paths: Record<string, string> = {};
      for (const [name, content] of Object.entries(options.files ?? {})) {
        const p = join(dir, name);
        await writeFile(p, content, { mode: 0o600 });
        paths[name] = p;
      }
      if (options.postRender) {
        fifos = await this.#fifos.take();
        channel = await openPostRenderChannel(fifos, options.postRender);
      }
      const finalArgs = args.map((a) =>
        a.replace(/\{\{file:([\w.-]+)\}\}/g, (_m, n: string) => paths[n] ?? n).replace("{{post-render}}", fifos ?? ""),
      );
      const home = await this.#home();
      const env: NodeJS.ProcessEnv = {
        PATH: process.env["PATH"] ?? "/usr/bin:/bin",
        HOME: home,
        HELM_CACHE_HOME: join(home, "cache"),
        HELM_CONFIG_HOME: join(home, "config"),
        HELM_DATA_HOME: join(home, "data"),
        HELM_PLUGINS: this.#pluginsDir ?? join(home, "plugins"),
        KUBECONFIG: kubeconfigPath,
      };
      return await new Promise<string>((resolve, reject) => {
        execFile(
          this.#helm,
          [...finalArgs, "--kubeconfig", kubeconfigPath],
          {
            env,
            maxBuffer: 256 * 1024 * 1024,
            ...(options.signal ? { signal: options.signal } : {}),
            ...(options.timeoutMs ? { timeout: options.timeoutMs } : {}),
          },
          (err, stdout, stderr) => {
            if (err) {
              const code = typeof err.code === "number" ? err.code : undefined;
              reject(new HelmCommandError(args[0] ?? "helm", helmErrorText(String(stderr || err.message)), code));
              return;
            }
            resolve(String(stdout));
          },
        );
      });
    } finally {
      channel?.close();
      if (fifos) await this.#fifos.release(fifos);
      await rm(dir, { recursive: true, force: true });
    }
  }

  /** Removes the private helm home directories. */
  async close(): Promise<void> {
    const home = this.#homes;
    this.#homes = undefined;
    await this.#fifos.close();
    if (home) await rm(await home, { recursive: true, force: true });
  }
}
