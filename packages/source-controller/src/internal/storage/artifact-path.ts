// Where artifacts live: `<lowercase kind>/<namespace>/<name>/<file>` relative to the storage root.

import { isAbsolute, posix, relative, resolve, sep } from "node:path";
import { InvalidArtifactPathError } from "./errors.js";

/** Throws unless `segment` is a plain path component (non-empty, not `.`/`..`, no `/`, `\` or NUL). */
export function assertPathSegment(segment: string, what: string): void {
  if (segment === "" || segment === "." || segment === ".." || /[/\\\0]/.test(segment)) {
    throw new InvalidArtifactPathError(segment, `${what} must be a single plain path component`);
  }
}

/** The directory of an object's artifacts: `<lowercase kind>/<namespace>/<name>`. */
export function artifactDir(kind: string, namespace: string, name: string): string {
  const k = kind.toLowerCase();
  assertPathSegment(k, "kind");
  assertPathSegment(namespace, "namespace");
  assertPathSegment(name, "name");
  return posix.join(k, namespace, name);
}

/** The path of an artifact file: `<lowercase kind>/<namespace>/<name>/<fileName>`. */
export function artifactPath(kind: string, namespace: string, name: string, fileName: string): string {
  assertPathSegment(fileName, "file name");
  return posix.join(artifactDir(kind, namespace, name), fileName);
}

/**
 * The absolute local path of `relPath` under `root`, refusing (with {@link InvalidArtifactPathError}) an
 * empty path, an absolute path, and any path that leaves `root` lexically.
 */
export function resolveInsideRoot(root: string, relPath: string): string {
  if (relPath === "") throw new InvalidArtifactPathError(relPath, "empty path");
  if (relPath.includes("\0")) throw new InvalidArtifactPathError(relPath, "contains NUL");
  if (isAbsolute(relPath) || posix.isAbsolute(relPath)) {
    throw new InvalidArtifactPathError(relPath, "absolute paths are not allowed");
  }
  const base = resolve(root);
  const full = resolve(base, relPath);
  const rel = relative(base, full);
  if (rel === "" || rel === ".." || rel.startsWith(`..${sep}`) || isAbsolute(rel)) {
    throw new InvalidArtifactPathError(relPath, "leaves the storage root");
  }
  return full;
}
