import { randomBytes } from "node:crypto";
import { copyFile, link, mkdir, readdir, readlink, rename, rm, symlink, writeFile } from "node:fs/promises";
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
  let canLink = true;
  const walk = async (src: string, dst: string): Promise<void> => {
    await mkdir(dst, { recursive: true });
    result.dirs += 1;
    const subdirs: [string, string][] = [];
    for (const entry of await readdir(src, { withFileTypes: true })) {
      const s = join(src, entry.name);
      const d = join(dst, entry.name);
      if (entry.isDirectory()) {
        subdirs.push([s, d]);
      } else if (entry.isSymbolicLink()) {
        await symlink(await readlink(s), d);
        result.symlinks += 1;
      } else if (entry.isFile()) {
        if (canLink) {
          try {
            await link(s, d);
            result.files += 1;
            continue;
          } catch (err: unknown) {
            const code = (err as NodeJS.ErrnoException).code;
            if (code !== "EXDEV" && code !== "EPERM" && code !== "ENOTSUP" && code !== "EMLINK") throw err;
            canLink = false;
          }
        }
        await copyFile(s, d);
        result.files += 1;
      }
    }
    for (const [s, d] of subdirs) await walk(s, d);
  };
  await walk(from, to);
  // The root itself is not counted: it is the destination, not a copied directory.
  result.dirs -= 1;
  return result;
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
