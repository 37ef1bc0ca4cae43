// Reproducible tar.gz archives of a directory, as Flux's storage writes them: entries in walk order with
// sorted names, owners zeroed, user/group names empty, a fixed modification time, modes normalised (0750
// directories, 0700 executables, 0600 other files), symlinks and special files skipped, and a gzip stream
// without timestamp. The same tree therefore always gives the same bytes, hence the same digest.

import { createReadStream, readFileSync, type Stats } from "node:fs";
import { lstat, readdir } from "node:fs/promises";
import { join } from "node:path";
import { Readable } from "node:stream";
import { createGzip } from "node:zlib";
import { Header, Pax } from "tar";
import { compareNames } from "../ignore/source-ignore.js";
import { StorageError } from "./errors.js";

/** Mode of directories inside an artifact archive. */
export const ARCHIVE_DIR_MODE = 0o750;
/** Mode of regular files inside an artifact archive. */
export const ARCHIVE_FILE_MODE = 0o600;
/** Mode of executable files (any execute bit set) inside an artifact archive. */
export const ARCHIVE_EXEC_MODE = 0o700;
/** The modification time every archive entry carries. */
export const ARCHIVE_MTIME = new Date(0);

/** Decides whether a path (components relative to the archived directory) is left out of the archive. */
export interface ArchiveFilter {
  excludes(path: readonly string[], isDir: boolean): boolean;
  /** When true, an excluded directory is not descended into (its whole subtree is excluded). */
  readonly excludedDirectoriesArePruned?: boolean;
}

/** One entry of an archive, in archive order. */
export interface ArchiveEntry {
  /** Slash-separated path relative to the archived directory (directories without trailing slash). */
  path: string;
  type: "file" | "dir";
  /** The normalised mode written to the archive. */
  mode: number;
  /** Size in bytes (0 for directories). */
  size: number;
  /** Absolute path on disk. */
  source: string;
}

/**
 * Lists what an archive of `dir` contains, in archive order: a depth-first walk with names sorted
 * byte-wise, regular files and directories only (symlinks, sockets, devices are skipped), `filter`
 * exclusions left out. Directories are listed even when all their content is excluded.
 */
export async function listArchiveEntries(dir: string, filter?: ArchiveFilter): Promise<ArchiveEntry[]> {
  const root = await lstat(dir).catch((err: unknown) => {
    throw new StorageError(`invalid dir path: ${dir}`, "ArchiveOperationFailed", { cause: err });
  });
  if (!root.isDirectory()) throw new StorageError(`invalid dir path: ${dir}`, "ArchiveOperationFailed");
  const entries: ArchiveEntry[] = [];
  const prune = filter?.excludedDirectoriesArePruned === true;
  const walk = async (abs: string, segments: string[]): Promise<void> => {
    const names = (await readdir(abs)).sort(compareNames);
    // Stat a directory's entries concurrently; the walk order stays the sorted name order.
    const stats = await Promise.all(names.map((name) => lstat(join(abs, name))));
    for (let i = 0; i < names.length; i++) {
      const name = names[i] as string;
      const st = stats[i] as Stats;
      const source = join(abs, name);
      const isDir = st.isDirectory();
      if (!isDir && !st.isFile()) continue;
      const path = [...segments, name];
      const excluded = filter?.excludes(path, isDir) === true;
      if (isDir) {
        if (!excluded) entries.push({ path: path.join("/"), type: "dir", mode: ARCHIVE_DIR_MODE, size: 0, source });
        if (!(excluded && prune)) await walk(source, path);
      } else if (!excluded) {
        const mode = st.mode & 0o111 ? ARCHIVE_EXEC_MODE : ARCHIVE_FILE_MODE;
        entries.push({ path: path.join("/"), type: "file", mode, size: st.size, source });
      }
    }
  };
  await walk(dir, []);
  return entries;
}

/** Encodes the (PAX extended header and) ustar header of one entry. */
function encodeHeader(entry: ArchiveEntry): Buffer {
  const path = entry.type === "dir" ? `${entry.path}/` : entry.path;
  const header = new Header({
    path,
    mode: entry.mode,
    uid: 0,
    gid: 0,
    size: entry.size,
    mtime: ARCHIVE_MTIME,
    type: entry.type === "dir" ? "Directory" : "File",
    uname: "",
    gname: "",
    devmaj: 0,
    devmin: 0,
  });
  const block = Buffer.alloc(512);
  header.encode(block, 0);
  if (!header.needPax) return block;
  // A PAX record carries what ustar can't hold (long or non-ASCII paths). Its own header has no time or
  // owner fields set, so it is as deterministic as the entry header.
  return Buffer.concat([new Pax({ path }).encode(), block]);
}

/** Files up to this size are read whole rather than streamed. */
const SMALL_FILE = 256 * 1024;

async function* tarStream(entries: readonly ArchiveEntry[]): AsyncGenerator<Buffer> {
  for (const entry of entries) {
    yield encodeHeader(entry);
    if (entry.type !== "file" || entry.size === 0) continue;
    let written = 0;
    if (entry.size <= SMALL_FILE) {
      // Small files (most manifests) are read synchronously: a bounded sub-millisecond block each, where the
      // promise-based readFile costs several thread-pool round trips per file (30x slower on 1500 files).
      const data = readFileSync(entry.source);
      written = data.length;
      if (written === entry.size) yield data;
    } else {
      for await (const chunk of createReadStream(entry.source, { highWaterMark: 64 * 1024 })) {
        const buf = chunk as Buffer;
        written += buf.length;
        if (written > entry.size) break;
        yield buf;
      }
    }
    if (written !== entry.size) {
      throw new StorageError(`file '${entry.path}' changed size while being archived`, "ArchiveOperationFailed");
    }
    const pad = entry.size % 512;
    if (pad !== 0) yield Buffer.alloc(512 - pad);
  }
  yield Buffer.alloc(1024);
}

/**
 * Joins small chunks into blocks of at least `size` bytes: every write to zlib is a thread-pool round trip,
 * so thousands of 512-byte headers and small files must not reach it one by one.
 */
async function* coalesce(source: AsyncIterable<Buffer>, size: number): AsyncGenerator<Buffer> {
  let parts: Buffer[] = [];
  let length = 0;
  for await (const chunk of source) {
    parts.push(chunk);
    length += chunk.length;
    if (length >= size) {
      yield parts.length === 1 ? (parts[0] as Buffer) : Buffer.concat(parts, length);
      parts = [];
      length = 0;
    }
  }
  if (length > 0) yield Buffer.concat(parts, length);
}

/**
 * A gzip-compressed tar stream of `entries` (as listed by {@link listArchiveEntries}); the gzip header has
 * no timestamp or file name, so identical entries give identical bytes.
 */
export function createTarGzStream(entries: readonly ArchiveEntry[], level?: number): Readable {
  const gzip = createGzip(level === undefined ? {} : { level });
  const tar = Readable.from(coalesce(tarStream(entries), 256 * 1024), { objectMode: false });
  tar.on("error", (err) => gzip.destroy(err));
  return tar.pipe(gzip);
}
