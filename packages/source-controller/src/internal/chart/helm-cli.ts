// The real `helm` binary for the steps Flux does with Helm's Go packages: packaging a chart directory and
// building its dependencies. Each call runs with Helm's homes in a
// private work directory; credentials are only ever passed in files (0600) inside it, never as arguments.

import { execFile } from "node:child_process";
import { chmod, mkdir, readdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { resolveTool } from "@sluice/runtime/tools";

/** Where a helm invocation keeps its config, cache and data (a private temp directory). */
export interface HelmHome {
  /** The directory (created 0700 by the caller, removed after the build). */
  dir: string;
}

/** A failed helm invocation; the message is helm's stderr (it never holds credentials, which are in files). */
export class HelmCommandError extends Error {
  override readonly name = "HelmCommandError";
}

/** Runs `helm <args>` with isolated homes under `home.dir`; resolves with stdout. */
export async function runHelm(home: HelmHome, args: string[], signal?: AbortSignal): Promise<string> {
  const helm = resolveTool("helm").path;
  const env: NodeJS.ProcessEnv = {
    PATH: process.env["PATH"] ?? "/usr/bin:/bin",
    HOME: home.dir,
    HELM_CACHE_HOME: join(home.dir, "cache"),
    HELM_CONFIG_HOME: join(home.dir, "config"),
    HELM_DATA_HOME: join(home.dir, "data"),
    HELM_REGISTRY_CONFIG: join(home.dir, "registry.json"),
    HELM_REPOSITORY_CONFIG: join(home.dir, "repositories.yaml"),
    HELM_REPOSITORY_CACHE: join(home.dir, "cache", "repository"),
    NO_COLOR: "1",
  };
  for (const k of ["HTTPS_PROXY", "HTTP_PROXY", "NO_PROXY", "https_proxy", "http_proxy", "no_proxy"]) {
    const v = process.env[k];
    if (v !== undefined) env[k] = v;
  }
  return new Promise((resolve, reject) => {
    execFile(
      helm,
      args,
      { env, cwd: home.dir, maxBuffer: 16 * 1024 * 1024, ...(signal ? { signal } : {}) },
      (err, stdout, stderr) => {
        if (err) {
          const text = `${stderr}`.trim().replace(/^Error: /m, "") || err.message;
          reject(new HelmCommandError(text, { cause: err }));
          return;
        }
        resolve(`${stdout}`);
      },
    );
  });
}

/** Writes `content` to `<home>/<name>` with mode 0600 and returns its path. */
export async function writePrivateFile(home: HelmHome, name: string, content: string | Uint8Array): Promise<string> {
  const file = join(home.dir, name);
  await writeFile(file, content, { mode: 0o600 });
  await chmod(file, 0o600);
  return file;
}

/**
 * `helm package <chartDir> --version <version>` into a fresh directory; resolves with the package path
 * (`<name>-<version>.tgz`).
 */
export async function helmPackage(home: HelmHome, chartDir: string, version: string, signal?: AbortSignal) {
  const dest = join(home.dir, `package-${Date.now()}-${Math.random().toString(36).slice(2)}`);
  await mkdir(dest, { recursive: true, mode: 0o700 });
  await runHelm(home, ["package", chartDir, "--destination", dest, "--version", version], signal);
  return singleTgz(dest);
}

/** TLS files and flags of a registry or repository connection (paths of 0600 files in the helm home). */
export interface HelmTlsFiles {
  caFile?: string | undefined;
  certFile?: string | undefined;
  keyFile?: string | undefined;
}

/** One chart repository entry of Helm's repositories.yaml. */
export interface HelmRepositoryEntry extends HelmTlsFiles {
  name: string;
  url: string;
  username?: string | undefined;
  password?: string | undefined;
  passCredentialsAll?: boolean | undefined;
}

/** Writes `<home>/repositories.yaml` (0600) listing `entries`, so helm finds credentials for dependencies. */
export async function writeRepositoriesConfig(home: HelmHome, entries: HelmRepositoryEntry[]): Promise<string> {
  const repositories = entries.map((e) => ({
    name: e.name,
    url: e.url,
    username: e.username ?? "",
    password: e.password ?? "",
    certFile: e.certFile ?? "",
    keyFile: e.keyFile ?? "",
    caFile: e.caFile ?? "",
    insecure_skip_tls_verify: false,
    pass_credentials_all: e.passCredentialsAll ?? false,
  }));
  return writePrivateFile(
    home,
    "repositories.yaml",
    JSON.stringify({ apiVersion: "", generated: new Date(0).toISOString(), repositories }),
  );
}

/** `helm dependency build <chartDir>` with the repositories of `<home>/repositories.yaml`. */
export async function helmDependencyBuild(home: HelmHome, chartDir: string, signal?: AbortSignal): Promise<void> {
  await runHelm(home, ["dependency", "build", chartDir], signal);
}

async function singleTgz(dir: string): Promise<string> {
  const files = (await readdir(dir)).filter((f) => f.endsWith(".tgz"));
  if (files.length !== 1) throw new HelmCommandError(`expected one chart package in ${dir}, found ${files.length}`);
  return join(dir, files[0] as string);
}
