// Errors of the OCI client. Messages name the method, URL and the registry's error codes (as
// go-containerregistry prints them), never credentials.

/** An error answer of a registry (`GET <url>: MANIFEST_UNKNOWN: manifest unknown`). */
export class OciRegistryError extends Error {
  override readonly name = "OciRegistryError";
  constructor(
    message: string,
    /** The HTTP status code. */
    readonly status: number,
    /** The registry's error codes (e.g. `MANIFEST_UNKNOWN`, `UNAUTHORIZED`). */
    readonly codes: readonly string[] = [],
  ) {
    super(message);
  }

  /** True for 401/403: the credentials are missing or wrong. */
  get unauthorized(): boolean {
    return this.status === 401 || this.status === 403;
  }

  /** True for 404 or a `*_UNKNOWN` code. */
  get notFound(): boolean {
    return this.status === 404 || this.codes.some((c) => c.endsWith("_UNKNOWN"));
  }
}

/** Content whose sha256 differs from the digest it was asked for or announced with. */
export class OciDigestMismatchError extends Error {
  override readonly name = "OciDigestMismatchError";
}

/** A bad `oci://` URL, reference or credentials document. */
export class OciInputError extends Error {
  override readonly name = "OciInputError";
}

/** A connection-level failure (refused, TLS, timeout) reaching a registry. */
export class OciTransportError extends Error {
  override readonly name = "OciTransportError";
}
