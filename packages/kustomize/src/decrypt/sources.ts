import { lstat, readFile, realpath, stat } from "node:fs/promises";
import { isAbsolute, join, relative, resolve, sep } from "node:path";
import { parse } from "yaml";
import { DecryptionError } from "./errors.js";

/** Kustomization file names kustomize recognises, in its lookup order. */
const KUSTOMIZATION_FILES = ["kustomization.yaml", "kustomization.yml", "Kustomization"] as const;

/** A file a kustomization refers to that may need decrypting or verifying. */
export interface SourceRef {
  /** Absolute real path, inside the root. */
  path: string;
  /** Path relative to the root, for messages. */
  display: string;
  /** What refers to it: a generator input (`file`/`env`/`patch`, decrypted in place) or a `resource` (verified). */
  role: "file" | "env" | "patch" | "resource";
  /** The Secret data key for a `file` source (`key=path` or the file name), which decides its output format. */
  key: string;
}

interface KustomizationFile {
  resources?: unknown;
  components?: unknown;
  patches?: unknown;
  secretGenerator?: unknown;
}

/**
 * Walks the kustomization at `path` (relative to `root`) and every local directory its `resources` and
 * `components` reach, as Flux's `DecryptSources` does, and lists the files of interest: secretGenerator `files`
 * and `envs`, patch files, and resource files. References leaving the root throw {@link DecryptionError};
 * missing files and remote URLs are skipped (kustomize reports them).
 */
export async function collectSources(root: string, path: string): Promise<SourceRef[]> {
  const realRoot = await realpath(root);
  const out: SourceRef[] = [];
  const seenDirs = new Set<string>();
  const seenFiles = new Set<string>();

  const add = async (dir: string, ref: string, role: SourceRef["role"], key: string, owner: string) => {
    if (isRemote(ref)) return;
    const target = await resolveInside(realRoot, dir, ref, owner);
    if (!target || seenFiles.has(`${role}:${target}`)) return;
    let info: Awaited<ReturnType<typeof lstat>>;
    try {
      info = await lstat(target);
    } catch {
      return;
    }
    if (!info.isFile()) return;
    seenFiles.add(`${role}:${target}`);
    out.push({ path: target, display: displayPath(realRoot, target), role, key });
  };

  const visit = async (dir: string): Promise<void> => {
    if (seenDirs.has(dir)) return;
    seenDirs.add(dir);
    const loaded = await loadKustomization(realRoot, dir);
    if (!loaded) return;
    const { kus, file } = loaded;
    for (const gen of list(kus.secretGenerator)) {
      if (!isRecord(gen)) continue;
      for (const source of strings(gen["files"])) {
        const eq = source.indexOf("=");
        const key = eq === -1 ? source : source.slice(0, eq);
        await add(dir, eq === -1 ? source : source.slice(eq + 1), "file", key, file);
      }
      for (const env of [...strings(gen["envs"]), ...strings([gen["env"]])]) await add(dir, env, "env", env, file);
    }
    for (const patch of list(kus.patches)) {
      if (isRecord(patch) && typeof patch["path"] === "string") await add(dir, patch["path"], "patch", "", file);
    }
    for (const ref of [...strings(kus.resources), ...strings(kus.components)]) {
      if (isRemote(ref)) continue;
      const target = await resolveInside(realRoot, dir, ref, file);
      if (!target) continue;
      const info = await stat(target).catch(() => undefined);
      if (info?.isDirectory()) await visit(target);
      else if (info?.isFile()) await add(dir, ref, "resource", "", file);
    }
  };

  const start = await resolveInside(realRoot, realRoot, path, "spec.path");
  if (start) await visit(start);
  return out;
}

async function loadKustomization(
  root: string,
  dir: string,
): Promise<{ kus: KustomizationFile; file: string } | undefined> {
  for (const name of KUSTOMIZATION_FILES) {
    const file = join(dir, name);
    const info = await lstat(file).catch(() => undefined);
    if (!info) continue;
    const display = displayPath(root, file);
    if (!info.isFile()) throw new DecryptionError(`expected ${display} to be a regular file`);
    let kus: unknown;
    try {
      kus = parse(await readFile(file, "utf8"));
    } catch (err: unknown) {
      throw new DecryptionError(`failed to parse ${display}`, { cause: err });
    }
    return { kus: isRecord(kus) ? kus : {}, file: display };
  }
  return undefined;
}

/**
 * Resolves `ref` (relative to `dir`; an absolute path is taken relative to the root, as Flux does) and follows
 * symlinks; undefined when it does not exist, {@link DecryptionError} when it leaves the root.
 */
async function resolveInside(root: string, dir: string, ref: string, owner: string): Promise<string | undefined> {
  const lexical = isAbsolute(ref) ? join(root, ref) : resolve(dir, ref);
  if (!inside(root, lexical)) {
    throw new DecryptionError(`path '${ref}' in ${owner} points outside the source artifact`);
  }
  let real: string;
  try {
    real = await realpath(lexical);
  } catch {
    return undefined;
  }
  if (!inside(root, real)) {
    throw new DecryptionError(`path '${ref}' in ${owner} resolves (through a symlink) outside the source artifact`);
  }
  return real;
}

function inside(root: string, path: string): boolean {
  const rel = relative(root, path);
  return rel === "" || !(rel === ".." || rel.startsWith(`..${sep}`) || isAbsolute(rel));
}

/** A root-relative display path with forward slashes. */
export function displayPath(root: string, path: string): string {
  return relative(root, path).split(sep).join("/") || ".";
}

function isRemote(ref: string): boolean {
  return /^[a-z][a-z0-9+.-]*:\/\//i.test(ref) || /^(git@|github\.com\/|gitlab\.com\/|bitbucket\.org\/)/.test(ref);
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function list(v: unknown): unknown[] {
  return Array.isArray(v) ? v : [];
}

function strings(v: unknown): string[] {
  return list(v).filter((s): s is string => typeof s === "string" && s !== "");
}
