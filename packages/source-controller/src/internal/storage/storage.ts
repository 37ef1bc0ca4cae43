// The artifact storage of the source-controller: files under `<root>/<kind>/<namespace>/<name>/`, written
// atomically (temporary file in the same directory, then rename) under a per-artifact lock, with their
// digest and size, and garbage collected by age and count.

import { createHash, type Hash, randomBytes } from "node:crypto";
import { createReadStream, createWriteStream } from "node:fs";
import {
  chmod,
  cp,
  lstat,
  mkdir,
  mkdtemp,
  readdir,
  realpath,
  rename,
  rm,
  stat,
  symlink,
  unlink,
} from "node:fs/promises";
import { tmpdir } from "node:os";
import { basename, dirname, join, posix, resolve, sep } from "node:path";
import { Readable, Transform } from "node:stream";
import { pipeline } from "node:stream/promises";
import { type Artifact, SourceReason } from "@sluice/api";
import { extractTarball } from "@sluice/runtime/artifact";
import { artifactUrl } from "./advertised-address.js";
import { type ArchiveFilter, createTarGzStream, listArchiveEntries } from "./archive.js";
import { artifactPath, resolveInsideRoot } from "./artifact-path.js";
import { ArtifactDigestMismatchError, InvalidArtifactPathError, StorageError } from "./errors.js";
import { KeyedLock } from "./keyed-lock.js";

/** Default `--artifact-retention-ttl`: one minute. */
export const DEFAULT_RETENTION_TTL_MS = 60_000;
/** Default `--artifact-retention-records`. */
export const DEFAULT_RETENTION_RECORDS = 2;
/** Digest algorithms `--artifact-digest-algo` accepts. */
export const DIGEST_ALGORITHMS = ["sha256", "sha384", "sha512"] as const;
export type DigestAlgorithm = (typeof DIGEST_ALGORITHMS)[number];

const TEMP_PREFIX = ".tmp-";

/** Options of {@link ArtifactStorage}. */
export interface ArtifactStorageOptions {
  /** `--storage-path`: the directory artifacts are written to and served from. */
  basePath: string;
  /** The advertised address (see `advertisedAddress`), used to build artifact URLs. */
  hostname: string;
  /** `--artifact-retention-ttl` in milliseconds (default one minute). */
  retentionTtlMs?: number;
  /** `--artifact-retention-records` (default 2). */
  retentionRecords?: number;
  /** `--artifact-digest-algo` (default sha256). */
  digestAlgorithm?: DigestAlgorithm;
  /** gzip level of archives (default zlib's 6). */
  compressionLevel?: number;
}

/** What an artifact will be before it is written: its path, URL and revision. */
export interface ArtifactTarget {
  path: string;
  url: string;
  revision: string;
  metadata?: Record<string, string>;
}

/** The metadata fields an artifact is addressed by. */
export interface ObjectKey {
  namespace: string;
  name: string;
}

/** Options of {@link ArtifactStorage.archive}. */
export interface ArchiveOptions {
  /** Paths to leave out (e.g. the `.sourceignore` matcher). */
  filter?: ArchiveFilter;
}

/**
 * Artifact storage rooted at `--storage-path`. All writes are atomic and serialised per artifact path, so
 * a reader (the file server) only ever sees complete files; the returned {@link Artifact} carries the
 * digest (`<algo>:<hex>`), size and `lastUpdateTime` of what was written.
 */
export class ArtifactStorage {
  readonly basePath: string;
  readonly hostname: string;
  readonly retentionTtlMs: number;
  readonly retentionRecords: number;
  readonly digestAlgorithm: DigestAlgorithm;
  readonly #compressionLevel: number | undefined;
  readonly #locks = new KeyedLock();

  constructor(options: ArtifactStorageOptions) {
    this.basePath = options.basePath;
    this.hostname = options.hostname;
    this.retentionTtlMs = options.retentionTtlMs ?? DEFAULT_RETENTION_TTL_MS;
    this.retentionRecords = options.retentionRecords ?? DEFAULT_RETENTION_RECORDS;
    this.digestAlgorithm = options.digestAlgorithm ?? "sha256";
    this.#compressionLevel = options.compressionLevel;
    if (!DIGEST_ALGORITHMS.includes(this.digestAlgorithm)) {
      throw new StorageError(
        `unsupported artifact digest algorithm '${this.digestAlgorithm}'`,
        "InvalidDigestAlgorithm",
      );
    }
  }

  /** Creates the storage root if missing and checks it is a directory. */
  async init(): Promise<void> {
    await mkdir(this.basePath, { recursive: true, mode: 0o700 });
    const st = await stat(this.basePath);
    if (!st.isDirectory()) throw new StorageError(`invalid dir path: ${this.basePath}`, SourceReason.DirCreationFailed);
  }

  /** The artifact an object will get for `fileName` at `revision` (path and URL set; not written yet). */
  newArtifactFor(kind: string, object: ObjectKey, revision: string, fileName: string): ArtifactTarget {
    const path = artifactPath(kind, object.namespace, object.name, fileName);
    return { path, url: this.urlFor(path), revision };
  }

  /** The URL of a storage path under the advertised address. */
  urlFor(path: string): string {
    return artifactUrl(this.hostname, path);
  }

  /** A copy of `artifact` whose URL points at this storage's advertised address (e.g. after it changed). */
  withCurrentUrl<T extends { path: string; url: string }>(artifact: T): T {
    return { ...artifact, url: this.urlFor(artifact.path) };
  }

  /** The absolute local path of an artifact; throws {@link InvalidArtifactPathError} if it leaves the root. */
  localPath(artifact: { path: string }): string {
    return resolveInsideRoot(this.basePath, artifact.path);
  }

  /** Whether the artifact's file exists as a regular file. */
  async exists(artifact: { path: string }): Promise<boolean> {
    try {
      return (await lstat(this.localPath(artifact))).isFile();
    } catch (err: unknown) {
      if (err instanceof InvalidArtifactPathError) return false;
      if (isErrno(err, "ENOENT") || isErrno(err, "ENOTDIR")) return false;
      throw err;
    }
  }

  /**
   * Recomputes the digest of the stored file and compares it with `artifact.digest`; throws
   * {@link ArtifactDigestMismatchError} on a difference, {@link StorageError} when it can't be checked.
   */
  async verify(artifact: { path: string; digest?: string | undefined }): Promise<void> {
    if (!artifact.digest) throw new StorageError("artifact has no digest", SourceReason.StatOperationFailed);
    const colon = artifact.digest.indexOf(":");
    const algorithm = artifact.digest.slice(0, colon);
    if (colon < 1 || !DIGEST_ALGORITHMS.includes(algorithm as DigestAlgorithm)) {
      throw new StorageError(`failed to parse artifact digest '${artifact.digest}'`, SourceReason.StatOperationFailed);
    }
    const hash = createHash(algorithm);
    await pipeline(createReadStream(this.localPath(artifact)), hash);
    const actual = `${algorithm}:${hash.digest("hex")}`;
    if (actual !== artifact.digest) throw new ArtifactDigestMismatchError(artifact.path, artifact.digest, actual);
  }

  /** Creates the artifact's directory. */
  async mkdirAll(artifact: { path: string }): Promise<void> {
    await mkdir(dirname(this.localPath(artifact)), { recursive: true, mode: 0o700 });
  }

  /** Takes the per-artifact write lock; the returned function releases it. */
  lock(artifact: { path: string }): Promise<() => void> {
    return this.#locks.acquire(this.localPath(artifact));
  }

  /**
   * Archives `dir` as a reproducible tar.gz at the artifact's path (see `archive.ts`), atomically and under
   * the artifact's lock. Fails with reason `ArchiveOperationFailed`.
   */
  async archive(target: ArtifactTarget, dir: string, options: ArchiveOptions = {}): Promise<Artifact> {
    try {
      const entries = await listArchiveEntries(dir, options.filter);
      return await this.#write(target, () => createTarGzStream(entries, this.#compressionLevel), 0o600);
    } catch (err: unknown) {
      throw asStorageError(err, `failed to archive '${dir}' to '${target.path}'`, SourceReason.ArchiveOperationFailed);
    }
  }

  /**
   * Writes `content` to the artifact's path atomically (temporary file, chmod `mode`, rename), under the
   * artifact's lock. Used for `index.yaml` and chart packages.
   */
  async writeFile(target: ArtifactTarget, content: Readable | Uint8Array | string, mode = 0o600): Promise<Artifact> {
    try {
      return await this.#write(target, () => (content instanceof Readable ? content : Readable.from([content])), mode);
    } catch (err: unknown) {
      throw asStorageError(err, `failed to write artifact '${target.path}'`, "StorageOperationFailed");
    }
  }

  /** Copies the file at `source` (e.g. a packaged chart `.tgz`) to the artifact's path atomically. */
  async copyFromPath(target: ArtifactTarget, source: string, mode = 0o600): Promise<Artifact> {
    try {
      return await this.#write(target, () => createReadStream(source), mode);
    } catch (err: unknown) {
      throw asStorageError(err, `failed to copy '${source}' to '${target.path}'`, "StorageOperationFailed");
    }
  }

  async #write(target: ArtifactTarget, open: () => Readable, mode: number): Promise<Artifact> {
    const local = this.localPath(target);
    const dir = dirname(local);
    await mkdir(dir, { recursive: true, mode: 0o700 });
    const release = await this.#locks.acquire(local);
    const tmp = join(dir, `${TEMP_PREFIX}${basename(local)}-${randomBytes(6).toString("hex")}`);
    try {
      const hash = createHash(this.digestAlgorithm);
      let size = 0;
      const tap = new Transform({
        transform(chunk: Buffer, _enc, cb) {
          hash.update(chunk);
          size += chunk.length;
          cb(null, chunk);
        },
      });
      await pipeline(open(), tap, createWriteStream(tmp, { mode: 0o600 }));
      await chmod(tmp, mode);
      await rename(tmp, local);
      return artifactFrom(target, `${this.digestAlgorithm}:${digestHex(hash)}`, size);
    } catch (err: unknown) {
      await rm(tmp, { force: true });
      throw err;
    } finally {
      release();
    }
  }

  /**
   * Points `linkName` in the artifact's directory at the artifact (relative link, replaced atomically) and
   * returns the link's URL — e.g. HelmRepository's `index.yaml` → `index-<digest>.yaml`.
   */
  async symlink(artifact: { path: string }, linkName: string): Promise<string> {
    const local = this.localPath(artifact);
    const dir = dirname(local);
    const linkPath = posix.join(posix.dirname(artifact.path), linkName);
    const link = this.localPath({ path: linkPath });
    if (dirname(link) !== dir) throw new InvalidArtifactPathError(linkName, "link must be in the artifact directory");
    const tmp = `${link}.tmp-${randomBytes(4).toString("hex")}`;
    try {
      await symlink(basename(local), tmp);
      await rename(tmp, link);
    } catch (err: unknown) {
      await rm(tmp, { force: true });
      throw asStorageError(err, `failed to update symlink '${linkPath}'`, SourceReason.SymlinkUpdateFailed);
    }
    return this.urlFor(linkPath);
  }

  /**
   * Extracts `subPath` of a stored tar.gz artifact to `toPath` (GitRepository `include`: another
   * repository's artifact copied into the checkout). The archive is unpacked with the runtime's safe
   * extraction (no path or link escapes) into a temporary directory; `subPath` must stay inside it.
   * `toPath` is replaced if it exists. Fails with reason `StorageOperationFailed`.
   */
  async copyToPath(artifact: { path: string }, subPath: string, toPath: string): Promise<void> {
    const tmp = await mkdtemp(join(tmpdir(), "sluice-include-"));
    try {
      const unpack = join(tmp, "unpack");
      await mkdir(unpack);
      await extractTarball(createReadStream(this.localPath(artifact)), unpack, {
        maxBytes: Number.MAX_SAFE_INTEGER,
        maxEntries: Number.MAX_SAFE_INTEGER,
      });
      const rel = posix.normalize(subPath.replace(/^\/+/, "")).replace(/^(\.\/)+/, "");
      const from = rel === "" || rel === "." ? unpack : resolveInsideRoot(unpack, rel);
      const realFrom = await realpath(from);
      const realRoot = await realpath(unpack);
      if (realFrom !== realRoot && !realFrom.startsWith(`${realRoot}${sep}`)) {
        throw new InvalidArtifactPathError(subPath, "leaves the artifact");
      }
      await rm(toPath, { recursive: true, force: true });
      await mkdir(dirname(toPath), { recursive: true });
      try {
        await rename(realFrom, toPath);
      } catch (err: unknown) {
        if (!isErrno(err, "EXDEV")) throw err;
        await cp(realFrom, toPath, { recursive: true });
      }
    } catch (err: unknown) {
      throw asStorageError(
        err,
        `failed to copy '${subPath}' of '${artifact.path}' to '${toPath}'`,
        "StorageOperationFailed",
      );
    } finally {
      await rm(tmp, { recursive: true, force: true });
    }
  }

  /** Removes the artifact's file (not its directory). Missing files are not an error. */
  async remove(artifact: { path: string }): Promise<void> {
    await rm(this.localPath(artifact), { force: true });
  }

  /**
   * Removes an object's whole artifact directory (`<kind>/<ns>/<name>`, the parent of `artifact.path`), as
   * on object deletion. Returns the removed directory, or undefined when it did not exist.
   */
  async removeAll(artifact: { path: string }): Promise<string | undefined> {
    const dir = dirname(this.localPath(artifact));
    if (dir === resolve(this.basePath)) {
      throw new InvalidArtifactPathError(artifact.path, "refusing to remove the storage root");
    }
    if (!(await pathExists(dir))) return undefined;
    await rm(dir, { recursive: true, force: true });
    return dir;
  }

  /** Removes an object's artifact directory given its kind, namespace and name (object deletion). */
  async removeObject(kind: string, object: ObjectKey): Promise<string | undefined> {
    return this.removeAll({ path: artifactPath(kind, object.namespace, object.name, "_") });
  }

  /** Removes every file in the artifact's directory except the artifact itself and symlinks. */
  async removeAllButCurrent(artifact: { path: string }): Promise<string[]> {
    const current = this.localPath(artifact);
    const files = await listFiles(dirname(current));
    const deleted: string[] = [];
    for (const f of files) {
      if (f.path === current || f.symlink) continue;
      await rm(f.path, { force: true });
      deleted.push(f.path);
    }
    return deleted;
  }

  /**
   * The files garbage collection would delete for the current artifact: every regular file in its directory
   * older than the retention TTL, then the oldest others until at most `retentionRecords` remain. The
   * current artifact and symlinks are never garbage; abandoned temporary files are once past the TTL.
   */
  async garbageFiles(current: { path: string }, now = Date.now()): Promise<string[]> {
    const currentPath = this.localPath(current);
    const files = (await listFiles(dirname(currentPath))).filter((f) => !f.symlink && !f.path.endsWith(".lock"));
    const garbage = new Set<string>();
    const records: FileInfo[] = [];
    for (const f of files) {
      const expired = now - f.mtimeMs > this.retentionTtlMs;
      if (basename(f.path).startsWith(TEMP_PREFIX)) {
        if (expired) garbage.add(f.path);
        continue;
      }
      if (f.path !== currentPath && expired) garbage.add(f.path);
      else records.push(f);
    }
    // Keep the newest `retentionRecords` files (the current artifact always among them).
    records.sort((a, b) => b.mtimeMs - a.mtimeMs || (a.path < b.path ? -1 : 1));
    let kept = records.some((f) => f.path === currentPath) ? 1 : 0;
    for (const f of records) {
      if (f.path === currentPath) continue;
      if (kept < this.retentionRecords) kept++;
      else garbage.add(f.path);
    }
    return [...garbage].sort();
  }

  /**
   * Deletes the garbage files of the current artifact (see {@link garbageFiles}) and their `.lock` files;
   * returns the deleted paths. Gives up with a {@link StorageError} after `timeoutMs` (default 5 s).
   */
  async garbageCollect(current: { path: string }, timeoutMs = 5_000): Promise<string[]> {
    const deadline = Date.now() + timeoutMs;
    const garbage = await this.garbageFiles(current);
    const deleted: string[] = [];
    const failures: string[] = [];
    for (const file of garbage) {
      if (Date.now() > deadline) {
        throw new StorageError(`garbage collection timed out after ${timeoutMs}ms`, "GarbageCollectionFailed");
      }
      try {
        await unlink(file);
        deleted.push(file);
        await rm(`${file}.lock`, { force: true });
      } catch (err: unknown) {
        if (!isErrno(err, "ENOENT")) failures.push(`${file}: ${(err as Error).message}`);
      }
    }
    if (failures.length > 0) {
      throw new StorageError(`failed to remove files: ${failures.join(", ")}`, "GarbageCollectionFailed");
    }
    return deleted;
  }
}

/** Builds the stored artifact from its target and what was written. */
function artifactFrom(target: ArtifactTarget, digest: string, size: number): Artifact {
  const artifact: Artifact = {
    path: target.path,
    url: target.url,
    revision: target.revision,
    digest,
    lastUpdateTime: rfc3339Now(),
    size,
  };
  if (target.metadata !== undefined) artifact.metadata = { ...target.metadata };
  return artifact;
}

/** The current time in RFC 3339 with second precision, as `metav1.Time` serialises. */
export function rfc3339Now(date = new Date()): string {
  return date.toISOString().replace(/\.\d{3}Z$/, "Z");
}

function digestHex(hash: Hash): string {
  return hash.digest("hex");
}

interface FileInfo {
  path: string;
  mtimeMs: number;
  symlink: boolean;
}

/** Non-directory entries directly or indirectly under `dir` (missing dir → none). */
async function listFiles(dir: string): Promise<FileInfo[]> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (err: unknown) {
    if (isErrno(err, "ENOENT") || isErrno(err, "ENOTDIR")) return [];
    throw err;
  }
  const out: FileInfo[] = [];
  for (const name of names) {
    const p = join(dir, name);
    let st: Awaited<ReturnType<typeof lstat>>;
    try {
      st = await lstat(p);
    } catch (err: unknown) {
      if (isErrno(err, "ENOENT")) continue;
      throw err;
    }
    if (st.isDirectory()) out.push(...(await listFiles(p)));
    else out.push({ path: p, mtimeMs: st.mtimeMs, symlink: st.isSymbolicLink() });
  }
  return out;
}

async function pathExists(p: string): Promise<boolean> {
  try {
    await lstat(p);
    return true;
  } catch (err: unknown) {
    if (isErrno(err, "ENOENT")) return false;
    throw err;
  }
}

function isErrno(err: unknown, code: string): boolean {
  return typeof err === "object" && err !== null && (err as NodeJS.ErrnoException).code === code;
}

function asStorageError(err: unknown, message: string, reason: string): StorageError {
  if (err instanceof StorageError) return err;
  const detail = err instanceof Error ? err.message : String(err);
  return new StorageError(`${message}: ${detail}`, reason, { cause: err });
}
