import { lstat, readFile } from "node:fs/promises";
import { join } from "node:path";

/** File names kustomize recognises as a kustomization, in the order it looks for them. */
export const KUSTOMIZATION_FILE_NAMES = ["kustomization.yaml", "kustomization.yml", "Kustomization"] as const;

/** Finds the kustomization file of a directory (a regular file with a recognised name), or undefined. */
export async function findKustomizationFile(dir: string): Promise<string | undefined> {
  for (const name of KUSTOMIZATION_FILE_NAMES) {
    const path = join(dir, name);
    try {
      const info = await lstat(path);
      if (!info.isDirectory()) return path;
    } catch (err: unknown) {
      if (!isNotFound(err)) throw err;
    }
  }
  return undefined;
}

/** Reads a file, returning undefined when it does not exist. */
export async function readIfExists(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, "utf8");
  } catch (err: unknown) {
    if (isNotFound(err)) return undefined;
    throw err;
  }
}

/** Whether an fs error says the path does not exist. */
export function isNotFound(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return code === "ENOENT" || code === "ENOTDIR";
}

/**
 * Whether a kustomization entry is a local relative path, as Flux decides it: not a git/ssh/http(s)/GitHub
 * shorthand (case-insensitive prefixes) and not absolute (also after a `file://` prefix).
 */
export function isLocalRelativePath(path: string): boolean {
  if (hasRemotePrefix(path)) return false;
  return !(
    path.startsWith("/") ||
    path
      .toLowerCase()
      .replace(/^file:\/\//, "")
      .startsWith("/")
  );
}

const REMOTE_PREFIXES = ["git::", "gh:", "ssh://", "https://", "http://", "git@", "github.com:", "github.com/"];

/** Whether a path starts (case-insensitively) with one of kustomize's git/ssh/http(s)/GitHub prefixes. */
export function hasRemotePrefix(path: string): boolean {
  const lower = path.toLowerCase();
  return REMOTE_PREFIXES.some((prefix) => prefix.length < path.length && lower.startsWith(prefix));
}
