import { execFile } from "node:child_process";
import { accessSync, constants, existsSync, statSync } from "node:fs";
import { delimiter, dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";

const execFileAsync = promisify(execFile);

/** Where a tool's path came from, in the order they are tried. */
export type ToolSource = "flag" | "env" | "bundled" | "path";

/** A resolved external binary. */
export interface ResolvedTool {
  name: string;
  path: string;
  source: ToolSource;
}

/** Options for {@link resolveTool}. */
export interface ResolveToolOptions {
  /** An explicit path, e.g. from a `--helm-path` flag; wins over everything else. */
  explicitPath?: string | undefined;
  /** Environment to read `SLUICE_<NAME>` and `PATH` from (defaults to process.env). */
  env?: NodeJS.ProcessEnv;
  /** Folder holding the extracted binaries (defaults to `<workspace>/.tools/bin`, found upwards from here). */
  bundledDir?: string | undefined;
}

/** Thrown when a tool is found nowhere; says every place that was tried. */
export class ToolNotFoundError extends Error {
  constructor(
    readonly tool: string,
    readonly tried: readonly string[],
  ) {
    super(
      `${tool} not found (tried ${tried.join(", ")}); run 'pnpm install' to extract the bundled binaries, ` +
        `or set SLUICE_${envName(tool)} or put ${tool} on PATH`,
    );
    this.name = "ToolNotFoundError";
  }
}

function envName(tool: string): string {
  return tool.toUpperCase().replace(/[^A-Z0-9]/g, "_");
}

function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

/** The workspace's `.tools/bin`, found by walking up from this module (works from src/ and dist/). */
export function defaultBundledDir(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const fromEnv = env["SLUICE_TOOLS_DIR"];
  if (fromEnv) return fromEnv;
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const candidate = join(dir, ".tools", "bin");
    if (existsSync(candidate)) return candidate;
    const parent = dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}

/**
 * Resolves an external binary such as `kubectl` or `helm`: the explicit path (a flag) → the `SLUICE_<NAME>`
 * environment variable → the copy extracted at install time → `PATH`. Throws {@link ToolNotFoundError}.
 */
export function resolveTool(name: string, options: ResolveToolOptions = {}): ResolvedTool {
  const env = options.env ?? process.env;
  const tried: string[] = [];
  const candidates: Array<[ToolSource, string | undefined]> = [
    ["flag", options.explicitPath],
    ["env", env[`SLUICE_${envName(name)}`]],
  ];
  const bundled = options.bundledDir ?? defaultBundledDir(env);
  if (bundled) candidates.push(["bundled", join(bundled, name)]);
  for (const [source, path] of candidates) {
    if (!path) continue;
    const abs = resolve(path);
    if (isExecutable(abs)) return { name, path: abs, source };
    tried.push(`${source} ${abs}`);
    // An explicit choice that does not exist is an error, not a reason to fall back silently.
    if (source === "flag" || source === "env") throw new ToolNotFoundError(name, tried);
  }
  for (const dir of (env["PATH"] ?? "").split(delimiter)) {
    if (!dir) continue;
    const path = join(dir, name);
    if (isExecutable(path)) return { name, path, source: "path" };
  }
  tried.push("PATH");
  throw new ToolNotFoundError(name, tried);
}

/** Reports a resolved tool's version (`v1.33.9`, `v4.1.4`), asking the binary itself. */
export async function toolVersion(tool: ResolvedTool): Promise<string> {
  const args =
    tool.name === "kubectl"
      ? ["version", "--client", "-o", "json"]
      : tool.name === "helm"
        ? ["version", "--template", "{{.Version}}"]
        : ["version"];
  const { stdout } = await execFileAsync(tool.path, args, { timeout: 30_000 });
  if (tool.name === "kubectl") {
    const parsed = JSON.parse(stdout) as { clientVersion?: { gitVersion?: string } };
    return parsed.clientVersion?.gitVersion ?? "unknown";
  }
  return stdout.trim();
}
