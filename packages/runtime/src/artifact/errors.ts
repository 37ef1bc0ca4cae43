/** Base class of every artifact fetch failure; `url` names the remote when one is involved. */
export class ArtifactError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** The artifact server answered 404: the artifact is gone (usually garbage-collected); requeue and re-read the source. */
export class ArtifactNotFoundError extends ArtifactError {
  constructor(readonly url: string) {
    super(`artifact not found at ${url} (HTTP 404)`);
  }
}

/** The download failed after all retries (network errors, timeouts, 5xx) or with a non-retryable status. */
export class ArtifactDownloadError extends ArtifactError {
  constructor(
    readonly url: string,
    message: string,
    /** The last HTTP status seen, when the server answered at all. */
    readonly status?: number,
    options?: ErrorOptions,
  ) {
    super(`failed to download artifact from ${url}: ${message}`, options);
  }
}

/** The downloaded bytes do not match the expected `<algo>:<hex>` digest, or the digest string is malformed. */
export class DigestMismatchError extends ArtifactError {
  constructor(
    readonly expected: string,
    readonly actual: string,
    url?: string,
  ) {
    super(`computed digest '${actual}' doesn't match expected '${expected}'${url ? ` for ${url}` : ""}`);
  }
}

/** The digest string is not `<algo>:<hex>` with a supported algorithm and a hex of the right length. */
export class InvalidDigestError extends ArtifactError {}

/** The archive holds an entry that could write outside the extraction root or is not a plain file, dir or link. */
export class UnsafeArchiveError extends ArtifactError {
  constructor(
    /** Path of the offending entry as recorded in the archive. */
    readonly entry: string,
    reason: string,
  ) {
    super(`unsafe archive entry '${entry}': ${reason}`);
  }
}

/** The archive exceeds a configured limit (download size, extracted size, entry count). */
export class ArchiveLimitError extends ArtifactError {}
