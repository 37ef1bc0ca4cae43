import { createWriteStream } from "node:fs";
import { chmod, link, mkdir, readdir, realpath, rm, symlink, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { Readable } from "node:stream";
import { Parser, type ReadEntry } from "tar";
import { archivePathSegments, checkSymlinkTarget } from "./archive-path.js";
import { ArchiveLimitError, ArtifactError, UnsafeArchiveError } from "./errors.js";
import { resolveInsideRoot } from "./link-escape.js";

/** Caps applied while extracting an archive. */
export interface ExtractLimits {
  /** Largest total size of the extracted regular files, in bytes (default 100 MiB, as Flux). */
  maxBytes?: number;
  /** Largest number of entries (files, directories, links) (default 100 000). */
  maxEntries?: number;
  /** Largest ratio of decompressed to compressed bytes before the archive is treated as a bomb (default 1000). */
  maxDecompressionRatio?: number;
}

/** Default extraction caps. */
export const DefaultExtractLimits = {
  maxBytes: 100 * 1024 * 1024,
  maxEntries: 100_000,
  maxDecompressionRatio: 1000,
} as const satisfies Required<ExtractLimits>;

/** What an extraction wrote. */
export interface ExtractResult {
  /** Total bytes of regular files written. */
  bytes: number;
  /** Entries extracted (files, directories, symlinks, hard links). */
  entries: number;
}

type NodeKind = "file" | "dir" | "symlink";

/**
 * Extracts a tar (gzip-, zstd- or un-compressed) stream into `dir`, which must exist and be empty.
 * Refuses, aborting the whole extraction with {@link UnsafeArchiveError}: absolute paths, `..` segments,
 * entries written through a symlink, symlinks and hard links whose target leaves the root (also via
 * chains of links), and device, FIFO and other special entries. Fails with {@link ArchiveLimitError} past
 * the size, entry-count or decompression-ratio caps. On failure the partly extracted content is removed.
 */
export async function extractTarball(
  source: Readable,
  dir: string,
  limits: ExtractLimits = {},
): Promise<ExtractResult> {
  const maxBytes = limits.maxBytes ?? DefaultExtractLimits.maxBytes;
  const maxEntries = limits.maxEntries ?? DefaultExtractLimits.maxEntries;
  const root = await realpath(dir);
  if ((await readdir(root)).length > 0) throw new ArtifactError(`extraction directory ${dir} is not empty`);

  const kinds = new Map<string, NodeKind>();
  const symlinks: string[] = [];
  const result: ExtractResult = { bytes: 0, entries: 0 };

  const checkParents = (entryPath: string, segments: readonly string[]): void => {
    for (let i = 1; i < segments.length; i++) {
      const parent = segments.slice(0, i).join("/");
      const kind = kinds.get(parent);
      if (kind === "symlink") throw new UnsafeArchiveError(entryPath, `parent '${parent}' is a symlink`);
      if (kind === "file") throw new UnsafeArchiveError(entryPath, `parent '${parent}' is a file`);
    }
  };

  /** Makes room for a new non-directory node at `rel`: an earlier file or link of that name is replaced. */
  const replaceable = async (entryPath: string, rel: string): Promise<void> => {
    const existing = kinds.get(rel);
    if (existing === "dir") throw new UnsafeArchiveError(entryPath, "replaces a directory");
    if (existing !== undefined) await rm(join(root, rel), { force: true });
  };

  /** Creates the parent directories of an entry unless an earlier entry already did. */
  const ensureParent = async (segments: readonly string[]): Promise<void> => {
    const parent = segments.slice(0, -1);
    if (parent.length === 0 || kinds.get(parent.join("/")) === "dir") return;
    await mkdir(join(root, ...parent), { recursive: true, mode: 0o700 });
    markDirs(kinds, parent);
  };

  const handle = async (entry: ReadEntry): Promise<void> => {
    const segments = archivePathSegments(entry.path);
    result.entries += 1;
    if (result.entries > maxEntries) {
      throw new ArchiveLimitError(`archive has more than ${maxEntries} entries`);
    }
    const rel = segments.join("/");
    if (segments.length === 0) {
      if (entry.type !== "Directory") throw new UnsafeArchiveError(entry.path, `${entry.type} entry at the root`);
      entry.resume();
      return;
    }
    checkParents(entry.path, segments);
    const abs = join(root, ...segments);
    switch (entry.type) {
      case "Directory": {
        if (kinds.get(rel) !== undefined && kinds.get(rel) !== "dir") {
          throw new UnsafeArchiveError(entry.path, "directory replaces a file or link");
        }
        await mkdir(abs, { recursive: true, mode: 0o700 });
        await chmod(abs, ((entry.mode ?? 0o755) & 0o777) | 0o700);
        markDirs(kinds, segments);
        entry.resume();
        return;
      }
      case "File":
      case "OldFile":
      case "ContiguousFile": {
        result.bytes += entry.size;
        if (result.bytes > maxBytes) {
          throw new ArchiveLimitError(`archive content exceeds the maximum of ${maxBytes} bytes (at '${entry.path}')`);
        }
        await ensureParent(segments);
        await replaceable(entry.path, rel);
        kinds.set(rel, "file");
        await writeEntry(entry, abs, ((entry.mode ?? 0o644) & 0o777) | 0o600);
        return;
      }
      case "SymbolicLink": {
        const target = entry.linkpath ?? "";
        checkSymlinkTarget(entry.path, segments, target);
        await ensureParent(segments);
        await replaceable(entry.path, rel);
        await symlink(target, abs);
        kinds.set(rel, "symlink");
        symlinks.push(rel);
        entry.resume();
        return;
      }
      case "Link": {
        const targetRaw = entry.linkpath ?? "";
        let targetSegments: string[];
        try {
          targetSegments = archivePathSegments(targetRaw);
        } catch {
          throw new UnsafeArchiveError(entry.path, `hard link target '${targetRaw}' escapes the extraction root`);
        }
        const target = targetSegments.join("/");
        checkParents(entry.path, targetSegments);
        if (kinds.get(target) !== "file") {
          throw new UnsafeArchiveError(
            entry.path,
            `hard link target '${targetRaw}' is not a regular file extracted before it`,
          );
        }
        if (target === rel) throw new UnsafeArchiveError(entry.path, "hard link to itself");
        await ensureParent(segments);
        await replaceable(entry.path, rel);
        await link(join(root, ...targetSegments), abs);
        kinds.set(rel, "file");
        entry.resume();
        return;
      }
      default:
        throw new UnsafeArchiveError(entry.path, `unsupported entry type ${entry.type}`);
    }
  };

  try {
    await parseEntries(source, handle, limits.maxDecompressionRatio ?? DefaultExtractLimits.maxDecompressionRatio);
    for (const rel of symlinks) {
      const resolution = await resolveInsideRoot(root, rel);
      if (resolution === "escapes") throw new UnsafeArchiveError(rel, "symlink resolves outside the extraction root");
      if (resolution === "loop") throw new UnsafeArchiveError(rel, "too many levels of symbolic links");
    }
  } catch (err: unknown) {
    await emptyDir(root);
    throw err;
  }
  return result;
}

function markDirs(kinds: Map<string, NodeKind>, segments: readonly string[]): void {
  for (let i = 1; i <= segments.length; i++) kinds.set(segments.slice(0, i).join("/"), "dir");
}

/** Feeds `source` to a strict tar parser and runs `handle` for each entry, one after another. */
function parseEntries(
  source: Readable,
  handle: (entry: ReadEntry) => Promise<void>,
  maxDecompressionRatio: number,
): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    let failed = false;
    let chain = Promise.resolve();
    const parser = new Parser({ strict: true, maxDecompressionRatio });
    const fail = (err: unknown): void => {
      if (failed) return;
      failed = true;
      source.unpipe(parser as unknown as NodeJS.WritableStream);
      source.destroy();
      const error = toArchiveError(err);
      parser.abort(error);
      reject(error);
    };
    parser.on("entry", (entry: ReadEntry) => {
      chain = chain
        .then(() => (failed ? undefined : handle(entry)))
        .catch((err: unknown) => fail(err))
        .finally(() => {
          if (failed) entry.resume();
        });
    });
    parser.on("error", fail);
    parser.on("end", () => {
      void chain.then(() => {
        if (!failed) resolve();
      });
    });
    source.on("error", fail);
    source.pipe(parser as unknown as NodeJS.WritableStream);
  });
}

function toArchiveError(err: unknown): Error {
  if (err instanceof ArtifactError) return err;
  const message = err instanceof Error ? err.message : String(err);
  if (/max decompression ratio/.test(message)) return new ArchiveLimitError(message, { cause: err });
  return new ArtifactError(`invalid tar archive: ${message}`, { cause: err });
}

/** Entries up to this size are buffered and written with one call; larger ones are streamed. */
const bufferedWriteLimit = 1024 * 1024;

/** Writes one entry's body into a new file (never following an existing link) and checks its length. */
function writeEntry(entry: ReadEntry, abs: string, mode: number): Promise<void> {
  if (entry.size <= bufferedWriteLimit) return writeSmallEntry(entry, abs, mode);
  return new Promise<void>((resolve, reject) => {
    const out = createWriteStream(abs, { flags: "wx", mode });
    let written = 0;
    let settled = false;
    const done = (err?: unknown): void => {
      if (settled) return;
      settled = true;
      if (err !== undefined) reject(err);
      else if (written !== entry.size) {
        reject(new ArtifactError(`truncated archive: wrote ${written} of ${entry.size} bytes for '${entry.path}'`));
      } else resolve();
    };
    entry.on("data", (chunk: Buffer) => {
      written += chunk.length;
      if (!out.write(chunk)) {
        entry.pause();
        out.once("drain", () => entry.resume());
      }
    });
    entry.on("end", () => out.end());
    out.on("error", (err) => {
      entry.resume();
      done(err);
    });
    out.on("close", () => done());
  });
}

async function writeSmallEntry(entry: ReadEntry, abs: string, mode: number): Promise<void> {
  const chunks: Buffer[] = [];
  await new Promise<void>((resolve, reject) => {
    entry.on("data", (chunk: Buffer) => chunks.push(chunk));
    entry.on("end", resolve);
    entry.on("error", reject);
  });
  const body = Buffer.concat(chunks);
  if (body.length !== entry.size) {
    throw new ArtifactError(`truncated archive: got ${body.length} of ${entry.size} bytes for '${entry.path}'`);
  }
  await writeFile(abs, body, { flag: "wx", mode });
}

async function emptyDir(root: string): Promise<void> {
  for (const name of await readdir(root).catch(() => [] as string[])) {
    await rm(join(root, name), { recursive: true, force: true });
  }
}
