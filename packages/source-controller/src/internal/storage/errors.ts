import { SourceReason } from "@sluice/api";

/**
 * A failed artifact storage operation. `reason` is the Flux condition reason the reconciler reports
 * (`StorageOperationFailed` condition / event), e.g. `ArchiveOperationFailed`, `InvalidPath`.
 */
export class StorageError extends Error {
  constructor(
    message: string,
    readonly reason: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = "StorageError";
  }
}

/** An artifact path or file name that would leave the storage root or is not a plain name. */
export class InvalidArtifactPathError extends StorageError {
  constructor(
    readonly path: string,
    detail: string,
  ) {
    super(`invalid artifact path '${path}': ${detail}`, SourceReason.InvalidPath);
    this.name = "InvalidArtifactPathError";
  }
}

/** The stored file's digest differs from the artifact's recorded digest. */
export class ArtifactDigestMismatchError extends StorageError {
  constructor(
    readonly path: string,
    readonly expected: string,
    readonly actual: string,
  ) {
    super(`computed digest '${actual}' of '${path}' doesn't match '${expected}'`, SourceReason.StatOperationFailed);
    this.name = "ArtifactDigestMismatchError";
  }
}
