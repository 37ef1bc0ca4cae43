import { posix } from "node:path";
import { UnsafeArchiveError } from "./errors.js";

/**
 * Validates a path recorded in a tar archive and returns its segments relative to the extraction root
 * (`./a/b/` → `["a", "b"]`; the root itself → `[]`). Throws {@link UnsafeArchiveError} for absolute paths
 * (POSIX or Windows drive/UNC forms), `..` segments, NUL bytes and backslashes.
 */
export function archivePathSegments(raw: string): string[] {
  if (raw.includes("\0")) throw new UnsafeArchiveError(raw, "path contains a NUL byte");
  if (raw.includes("\\")) throw new UnsafeArchiveError(raw, "path contains a backslash");
  if (raw.startsWith("/") || /^[a-zA-Z]:/.test(raw)) throw new UnsafeArchiveError(raw, "absolute path");
  const segments = raw.split("/").filter((s) => s !== "" && s !== ".");
  if (segments.includes("..")) throw new UnsafeArchiveError(raw, "path contains a '..' segment");
  return segments;
}

/**
 * Checks a symlink target lexically: it must be relative and, resolved against the link's directory, stay
 * inside the root. (Chains of links are checked on disk after extraction, see `linkEscapesRoot`.)
 */
export function checkSymlinkTarget(entryPath: string, segments: readonly string[], target: string): void {
  if (target.includes("\0")) throw new UnsafeArchiveError(entryPath, "symlink target contains a NUL byte");
  if (target.startsWith("/") || /^[a-zA-Z]:/.test(target) || target.includes("\\")) {
    throw new UnsafeArchiveError(entryPath, `symlink target '${target}' is absolute`);
  }
  const resolved = posix.normalize(posix.join(segments.slice(0, -1).join("/") || ".", target));
  if (resolved === ".." || resolved.startsWith("../")) {
    throw new UnsafeArchiveError(entryPath, `symlink target '${target}' escapes the extraction root`);
  }
}
