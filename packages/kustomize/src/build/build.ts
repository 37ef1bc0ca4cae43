import { cp, mkdtemp, readdir, readlink, realpath, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { isAbsolute, join, relative, resolve, sep } from "node:path";
import { resolveTool } from "@sluice/runtime/tools";
import { parseAllDocuments } from "yaml";
import { type GenerateAction, type GeneratorSpec, generateKustomization } from "./generate.js";
import { isNotFound } from "./kustomization-files.js";
import { assertNoRemoteBases } from "./remote-bases.js";
import { execFileFromHelper } from "./small-spawner.js";

/** A Kubernetes object as kustomize built it. */
export interface BuiltObject {
  apiVersion: string;
  kind: string;
  metadata: {
    name: string;
    namespace?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
  } & Record<string, unknown>;
  [key: string]: unknown;
}

/** Options for {@link buildKustomization}. */
export interface BuildOptions {
  /** Directory the source artifact was extracted to; nothing outside it is read. */
  root: string;
  /** `spec.path`, relative to the root (a leading `/` or `./` is allowed); defaults to the root. */
  path?: string | undefined;
  /** Spec fields written into the kustomization file. */
  spec?: GeneratorSpec | undefined;
  /** `--no-remote-bases`: refuse kustomizations that reference git or http(s) bases. */
  noRemoteBases?: boolean | undefined;
  /** kubectl binary; resolved with the runtime's `resolveTool("kubectl")` when unset. */
  kubectlPath?: string | undefined;
  /** Build timeout (default 5 minutes). */
  timeoutMs?: number | undefined;
  /**
   * The root is a throw-away extraction owned by the caller (the reconciler's per-run artifact dir): build in it
   * instead of on a copy, so the kustomization file and decrypted inputs are written there. Saves copying the
   * whole artifact for every build.
   */
  inPlace?: boolean | undefined;
  /**
   * The root's symlinks are known not to leave it (the root is the runtime's safe extraction of an artifact,
   * or a `linkTree` of one): skip walking the whole tree to check them again.
   */
  symlinksChecked?: boolean | undefined;
  /**
   * The directory the root's symlinks point into when the root is a partial link tree of it (`linkTreeAlong`):
   * kustomize's messages name files there by their resolved paths, which are shown relative to it.
   */
  linkedFrom?: string | undefined;
  /**
   * SOPS decryption (`spec.decryption`): generator inputs are decrypted on the build copy right before kustomize
   * runs, built objects right after (see `createKustomizationDecryptor`).
   */
  decryptor?: BuildDecryptor | undefined;
  /**
   * Which entries of the root to copy (called with each absolute path; default all). The CLI builds from a
   * repository root and leaves `.git` out.
   */
  copyFilter?: ((path: string) => boolean) | undefined;
}

/** The decryption steps of a build (implemented by `Decryptor` in `../decrypt`). */
export interface BuildDecryptor {
  /** Decrypts the SOPS-encrypted generator inputs the kustomization at `path` (relative to `root`) uses. */
  decryptFilesInDir(root: string, path: string): Promise<unknown>;
  /** The decrypted copy of a built object, or `undefined` when it is not encrypted. */
  decryptResource<T extends Record<string, unknown>>(obj: T): Promise<T | undefined>;
}

/** Result of {@link buildKustomization}. */
export interface BuildResult {
  objects: BuiltObject[];
  /**
   * Each object's YAML exactly as kustomize printed it (quoting styles kept), index-aligned with `objects`:
   * post-build substitution runs on this text, as Flux runs it on kustomize's YAML.
   */
  documents: string[];
  /** Whether the kustomization file was generated or the existing one edited. */
  action: GenerateAction;
}

/** The build failed: bad path, generator error, remote base, kustomize error or undecodable output (`BuildFailed`). */
export class KustomizeBuildError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "KustomizeBuildError";
  }
}

const DEFAULT_TIMEOUT_MS = 5 * 60_000;
const MAX_OUTPUT_BYTES = 512 * 1024 * 1024;

/**
 * Builds `spec.path` of an extracted artifact as kustomize-controller does, on a throw-away copy: rejects a
 * path outside the root and symlinks leaving it, generates/edits the kustomization file
 * ({@link generateKustomization}), refuses remote bases when asked, runs the real kustomize
 * (`kubectl kustomize --load-restrictor LoadRestrictionsRootOnly`) and decodes the multi-document output.
 * Throws {@link KustomizeBuildError} (or the generator's and remote-base errors) with a message fit for the
 * `BuildFailed` condition.
 */
export async function buildKustomization(options: BuildOptions): Promise<BuildResult> {
  const root = resolve(options.root);
  const relPath = resolveSpecPath(root, options.path);
  const kubectl = options.kubectlPath ?? resolveTool("kubectl").path;
  const work = await mkdtemp(join(tmpdir(), "sluice-kustomize-"));
  try {
    const copy = options.inPlace ? root : join(work, "src");
    if (!options.inPlace)
      await cp(root, copy, {
        recursive: true,
        verbatimSymlinks: true,
        ...(options.copyFilter ? { filter: options.copyFilter } : {}),
      });
    if (!options.symlinksChecked) await assertSymlinksInside(await realpath(copy), copy);
    const dir = join(copy, relPath);
    if (!(await isDirectory(dir))) {
      throw new KustomizeBuildError(`kustomization path not found: ${displayPath(relPath)}`);
    }
    const generated = await generateKustomization(dir, options.spec ?? {});
    if (options.noRemoteBases) await assertNoRemoteBases(copy, dir);
    await options.decryptor?.decryptFilesInDir(copy, relPath === "" ? "." : relPath);
    const output = await runKustomize(
      kubectl,
      dir,
      work,
      [copy, ...(options.linkedFrom ? [options.linkedFrom] : [])],
      options.timeoutMs ?? DEFAULT_TIMEOUT_MS,
    );
    return { ...decodeObjects(output), action: generated.action };
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

/** Resolves `spec.path` against the root; throws when it leaves the root. Returns it relative to the root. */
export function resolveSpecPath(root: string, path: string | undefined): string {
  const abs = resolve(root, `.${sep}${path ?? ""}`);
  const rel = relative(root, abs);
  if (rel === ".." || rel.startsWith(`..${sep}`) || isAbsolute(rel)) {
    throw new KustomizeBuildError(`spec.path '${path}' points outside the source artifact`);
  }
  return rel;
}

function displayPath(rel: string): string {
  return rel === "" ? "./" : `./${rel.split(sep).join("/")}`;
}

async function isDirectory(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isDirectory();
  } catch (err: unknown) {
    if (isNotFound(err)) return false;
    throw err;
  }
}

/** Throws when a symlink under `dir` resolves outside `realRoot` (a dangling link is left for kustomize to report). */
async function assertSymlinksInside(realRoot: string, dir: string): Promise<void> {
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isSymbolicLink()) {
      let target: string;
      try {
        target = await realpath(path);
      } catch (err: unknown) {
        if (isNotFound(err)) continue;
        throw err;
      }
      const rel = relative(realRoot, target);
      if (rel === ".." || rel.startsWith(`..${sep}`) || isAbsolute(rel)) {
        const link = await readlink(path);
        throw new KustomizeBuildError(
          `symlink ${relative(realRoot, path).split(sep).join("/")} -> ${link} points outside the source artifact`,
        );
      }
    } else if (entry.isDirectory()) {
      await assertSymlinksInside(realRoot, path);
    }
  }
}

/** Runs `kubectl kustomize` from the small spawner process (see `small-spawner.ts`). */
async function runKustomize(
  kubectl: string,
  dir: string,
  work: string,
  bases: string[],
  timeoutMs: number,
): Promise<string> {
  const { error, stdout, stderr } = await execFileFromHelper(
    kubectl,
    ["kustomize", dir, "--load-restrictor", "LoadRestrictionsRootOnly"],
    { timeout: timeoutMs, maxBuffer: MAX_OUTPUT_BYTES, env: kustomizeEnv(work) },
  );
  if (error) {
    const cause = Object.assign(new Error(error.message), error);
    throw new KustomizeBuildError(`kustomize build failed: ${usefulStderr(stderr, ...bases) || error.message}`, {
      cause,
    });
  }
  return stdout;
}

/**
 * The environment of `kubectl kustomize`: PATH, HOME (the work dir) and the Go runtime's GC target and thread
 * count. A build is a short-lived process whose heap is mostly kubectl's start-up allocations: with Go's default
 * GOGC=100 it collects several times before exiting; GOGC=400 cut its CPU time by about a third (59 → 41 ms for a
 * 4-object build) at the same peak RSS, and GOMAXPROCS=1 about 7% more (the controller runs several builds at
 * once; one build gains little from parallel GC). The controller's own GOGC and GOMAXPROCS, when set, are passed
 * on instead.
 */
export function kustomizeEnv(work: string): Record<string, string> {
  return {
    PATH: process.env["PATH"] ?? "",
    HOME: work,
    GOGC: process.env["GOGC"] || "400",
    GOMAXPROCS: process.env["GOMAXPROCS"] || "1",
  };
}

/** Strips kubectl's `error: ` prefix and the temp-dir prefixes from paths, keeping the non-empty lines. */
export function usefulStderr(stderr: string, ...workDirs: string[]): string {
  let text = stderr;
  for (const workDir of workDirs) text = text.split(`${workDir}${sep}`).join("").split(workDir).join(".");
  return text
    .split("\n")
    .map((line) => line.trim().replace(/^error: /i, ""))
    .filter((line) => line !== "")
    .join("; ");
}

/**
 * Decodes kustomize's multi-document YAML output into objects and their source texts; every object needs
 * apiVersion, kind and metadata.name.
 */
export function decodeObjects(text: string): { objects: BuiltObject[]; documents: string[] } {
  const objects: BuiltObject[] = [];
  const documents: string[] = [];
  const docs = parseAllDocuments(text);
  if (!Array.isArray(docs)) throw new KustomizeBuildError("kustomize output is not a YAML stream");
  for (const doc of docs) {
    const first = doc.errors[0];
    if (first) throw new KustomizeBuildError(`failed to decode kustomize output: ${first.message}`);
    const value: unknown = doc.toJS();
    if (value === null || value === undefined) continue;
    const obj = value as Partial<BuiltObject>;
    if (
      typeof obj !== "object" ||
      typeof obj.apiVersion !== "string" ||
      typeof obj.kind !== "string" ||
      typeof obj.metadata?.name !== "string" ||
      !obj.apiVersion ||
      !obj.kind ||
      !obj.metadata.name
    ) {
      throw new KustomizeBuildError(
        `failed to decode Kubernetes apiVersion, kind and name from: ${JSON.stringify(value).slice(0, 200)}`,
      );
    }
    objects.push(obj as BuiltObject);
    // From the object's first node (after any `---` marker) to the end of the document.
    const start = doc.contents?.range[0] ?? doc.range[0];
    documents.push(text.slice(start, doc.range[2]));
  }
  return { objects, documents };
}
