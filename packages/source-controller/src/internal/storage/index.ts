export {
  advertisedAddress,
  artifactUrl,
  joinHostPort,
  type ListenAddress,
  parseListenAddress,
} from "./advertised-address.js";
export {
  ARCHIVE_DIR_MODE,
  ARCHIVE_EXEC_MODE,
  ARCHIVE_FILE_MODE,
  ARCHIVE_MTIME,
  type ArchiveEntry,
  type ArchiveFilter,
  createTarGzStream,
  listArchiveEntries,
} from "./archive.js";
export { artifactDir, artifactPath, assertPathSegment, resolveInsideRoot } from "./artifact-path.js";
export { ArtifactDigestMismatchError, InvalidArtifactPathError, StorageError } from "./errors.js";
export { ArtifactFileServer, type ArtifactFileServerOptions, parseRange, requestSegments } from "./file-server.js";
export { KeyedLock } from "./keyed-lock.js";
export {
  type ArchiveOptions,
  ArtifactStorage,
  type ArtifactStorageOptions,
  type ArtifactTarget,
  DEFAULT_RETENTION_RECORDS,
  DEFAULT_RETENTION_TTL_MS,
  DIGEST_ALGORITHMS,
  type DigestAlgorithm,
  type ObjectKey,
  rfc3339Now,
} from "./storage.js";
