import { randomBytes } from "node:crypto";
import {
  copyFileSync,
  type Dirent,
  linkSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  readlinkSync,
  rmdirSync,
  rmSync,
  symlinkSync,
} from "node:fs";
import { rename, rm, writeFile } from "node:fs/promises";
import { basename, dirname, join } from "node:path";

/** What {@link linkTree} created. */
export interface LinkTreeResult {
  /** Regular files hard-linked (or copied where linking is impossible). */
  files: number;
  /** Directories created. */
  dirs: number;
  /** Symlinks recreated with their original targets. */
  symlinks: number;
}

/**
 * Makes `to` a private working copy of the directory tree `from` without copying file contents: directories
 * are created, symlinks recreated verbatim (relative targets resolve the same way inside the copy), and
 * regular files hard-linked, falling back to a copy where the file system refuses links (another device,
 * no hard-link support). `to` must not exist or be empty.
 *
 * The copy's files share their inodes with `from`: code working on the copy must replace a file
 * ({@link replaceFile}) and never write through it, or `from` changes too. Deleting entries of the copy is
 * safe. Other entry types (FIFOs, devices) are skipped; extracted artifacts never contain them.
 */
export async function linkTree(from: string, to: string): Promise<LinkTreeResult> {
  const result: LinkTreeResult = { files: 0, dirs: 0, symlinks: 0 };
  const state = { canLink: true };
  // Each directory is handled with synchronous calls, yielding to the event loop between directories: a run
  // over thousands of entries then allocates a few strings per entry instead of a promise chain per syscall
  // (which, with several runs at once, outlived young-generation GCs and grew the old space), and never
  // blocks the loop for longer than one directory takes.
  const pending: [string, string][] = [[from, to]];
  let first = true;
  while (pending.length > 0) {
    const [src, dst] = pending.pop()!;
    if (first) first = false;
    else await yieldToEventLoop();
    linkDirectory(src, dst, pending, result, state);
  }
  // The root itself is not counted: it is the destination, not a copied directory.
  result.dirs -= 1;
  return result;
}

function linkDirectory(
  src: string,
  dst: string,
  pending: [string, string][],
  result: LinkTreeResult,
  state: { canLink: boolean },
): void {
  mkdirSync(dst, { recursive: true });
  result.dirs += 1;
  for (const entry of readdirSync(src, { withFileTypes: true })) {
    const s = join(src, entry.name);
    const d = join(dst, entry.name);
    if (entry.isDirectory()) {
      pending.push([s, d]);
    } else if (entry.isSymbolicLink()) {
      symlinkSync(readlinkSync(s), d);
      result.symlinks += 1;
    } else if (entry.isFile()) {
      if (state.canLink) {
        try {
          linkSync(s, d);
          result.files += 1;
          continue;
        } catch (err: unknown) {
          const code = (err as NodeJS.ErrnoException).code;
          if (code !== "EXDEV" && code !== "EPERM" && code !== "ENOTSUP" && code !== "EMLINK") throw err;
          state.canLink = false;
        }
      }
      copyFileSync(s, d);
      result.files += 1;
    }
  }
}

/**
 * Like {@link linkTree}, but private only along `rel` (a relative directory path under `from`): `to/rel` is a
 * {@link linkTree} copy of `from/rel`, the directories leading to it are created, and every other entry
 * beside them is an absolute symlink to its original in `from`. A build that writes only inside `to/rel`
 * then costs the entries of that subtree, not of the whole tree, while `../` references out of it still
 * reach the same content. `from` must outlive the use of `to` (the symlinks point into it). When a
 * component of `rel` is missing or not a plain directory, the whole tree is linked ({@link linkTree}).
 */
export async function linkTreeAlong(from: string, to: string, rel: string): Promise<LinkTreeResult> {
  const parts = rel.split(/[\\/]+/).filter((p) => p !== "" && p !== ".");
  if (parts.includes("..") || !plainDirectories(from, parts)) return linkTree(from, to);
  const result: LinkTreeResult = { files: 0, dirs: 0, symlinks: 0 };
  let src = from;
  let dst = to;
  for (const part of parts) {
    mkdirSync(dst, { recursive: true });
    for (const entry of readdirSync(src, { withFileTypes: true })) {
      if (entry.name === part) continue;
      symlinkSync(join(src, entry.name), join(dst, entry.name));
      result.symlinks += 1;
    }
    src = join(src, part);
    dst = join(dst, part);
    result.dirs += 1;
  }
  const sub = await linkTree(src, dst);
  return {
    files: result.files + sub.files,
    dirs: result.dirs + sub.dirs,
    symlinks: result.symlinks + sub.symlinks,
  };
}

/** Whether each successive component of `parts` under `root` is a directory and not a symlink. */
function plainDirectories(root: string, parts: string[]): boolean {
  let path = root;
  for (const part of parts) {
    path = join(path, part);
    try {
      if (!lstatSync(path).isDirectory()) return false;
    } catch {
      return false;
    }
  }
  return true;
}

/**
 * Removes the directory tree `dir` (a missing one is fine) the way {@link linkTree} builds one: synchronous
 * calls per directory, yielding between directories, so removing a large working copy neither blocks the
 * event loop for long nor allocates a promise per entry.
 */
export async function removeTree(dir: string): Promise<void> {
  const stack: { path: string; listed: boolean }[] = [{ path: dir, listed: false }];
  while (stack.length > 0) {
    const top = stack[stack.length - 1]!;
    if (top.listed) {
      rmdirIfPresent(top.path);
      stack.pop();
      continue;
    }
    top.listed = true;
    let entries: Dirent[];
    try {
      entries = readdirSync(top.path, { withFileTypes: true });
    } catch (err: unknown) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === "ENOENT") {
        stack.pop();
        continue;
      }
      if (code === "ENOTDIR") {
        rmSync(top.path, { force: true });
        stack.pop();
        continue;
      }
      throw err;
    }
    for (const entry of entries) {
      const path = join(top.path, entry.name);
      if (entry.isDirectory()) stack.push({ path, listed: false });
      else rmSync(path, { force: true });
    }
    await yieldToEventLoop();
  }
}

function rmdirIfPresent(path: string): void {
  try {
    rmdirSync(path);
  } catch (err: unknown) {
    if ((err as NodeJS.ErrnoException).code !== "ENOENT") throw err;
  }
}

function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/**
 * Writes `data` to `path` by writing a sibling temp file and renaming it over `path`, so a hard link at
 * `path` (see {@link linkTree}) is replaced rather than written through: whatever else shares the old inode
 * keeps its content. The new file gets `mode` (default 0644).
 */
export async function replaceFile(
  path: string,
  data: string | Uint8Array,
  options: { mode?: number } = {},
): Promise<void> {
  const temp = join(dirname(path), `.${basename(path)}.${randomBytes(6).toString("hex")}.tmp`);
  try {
    await writeFile(temp, data, { flag: "wx", mode: options.mode ?? 0o644 });
    await rename(temp, path);
  } catch (err: unknown) {
    await rm(temp, { force: true });
    throw err;
  }
}
