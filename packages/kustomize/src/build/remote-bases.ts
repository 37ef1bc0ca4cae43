import { readFile, stat } from "node:fs/promises";
import { dirname, join, relative, resolve } from "node:path";
import { parse } from "yaml";
import { findKustomizationFile, hasRemotePrefix, isNotFound } from "./kustomization-files.js";

/** A remote base (git or http(s) URL) found while `--no-remote-bases` is set (maps to `BuildFailed`). */
export class RemoteBaseError extends Error {
  constructor(
    readonly file: string,
    readonly url: string,
  ) {
    super(`remote bases are not allowed (--no-remote-bases): '${url}' in ${file}`);
    this.name = "RemoteBaseError";
  }
}

const LISTS = ["resources", "components", "bases", "crds"] as const;

/**
 * Walks every kustomization file reachable from `dir` through local `resources`/`components`/`bases`
 * entries and throws {@link RemoteBaseError} (naming the file relative to `root`, and the entry) at the first
 * remote one: a git, ssh, http(s) or GitHub shorthand URL, or any other `scheme://` reference.
 */
export async function assertNoRemoteBases(root: string, dir: string): Promise<void> {
  const seen = new Set<string>();
  const visit = async (kdir: string): Promise<void> => {
    const key = resolve(kdir);
    if (seen.has(key)) return;
    seen.add(key);
    const file = await findKustomizationFile(kdir);
    if (!file) return;
    const doc: unknown = parse(await readFile(file, "utf8"));
    if (doc === null || typeof doc !== "object") return;
    for (const list of LISTS) {
      const entries = (doc as Record<string, unknown>)[list];
      if (!Array.isArray(entries)) continue;
      for (const entry of entries) {
        if (typeof entry !== "string") continue;
        if (isRemoteReference(entry)) throw new RemoteBaseError(relative(root, file) || file, entry);
        const target = join(dirname(file), entry);
        if (await isDirectory(target)) await visit(target);
      }
    }
  };
  await visit(dir);
}

/** Whether a kustomization entry points at a remote location rather than a file or directory in the source. */
export function isRemoteReference(entry: string): boolean {
  if (hasRemotePrefix(entry)) return true;
  return /^[a-z][a-z0-9+.-]*:\/\//i.test(entry) && !entry.toLowerCase().startsWith("file://");
}

async function isDirectory(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isDirectory();
  } catch (err: unknown) {
    if (isNotFound(err)) return false;
    throw err;
  }
}

/**
 * Whether the kustomization at `dir` reaches a remote base (see {@link assertNoRemoteBases}); a file that
 * cannot be read or parsed counts as one, so a caller caching builds errs on the side of building again.
 */
export async function reachesRemoteBases(root: string, dir: string): Promise<boolean> {
  try {
    await assertNoRemoteBases(root, dir);
    return false;
  } catch {
    return true;
  }
}
