// Parsing `oci://<registry>/<repository>` URLs as Flux validates them, and checking tags and digests.

import { OciInputError } from "./errors.js";

/** An OCI repository address. */
export interface OciRepositoryAddress {
  /** `host[:port]` of the registry (`docker.io` becomes `index.docker.io`). */
  registry: string;
  /** Repository path inside the registry (`library/` prefixed for single-segment Docker Hub names). */
  repository: string;
}

/** The `oci://` URL prefix. */
export const OCI_PREFIX = "oci://";

const REPOSITORY_RE = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:\/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*$/;
const REGISTRY_RE =
  /^(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)*|\[[0-9a-fA-F:]+\])(?::[0-9]+)?$/;
const TAG_RE = /^[\w][\w.-]{0,127}$/;
const DIGEST_RE = /^sha256:[a-f0-9]{64}$/;

/**
 * Parses `oci://<registry>/<repository>` (Flux's rules: the prefix is required, the registry needs a path,
 * and a `:tag` or `@digest` suffix is refused). Throws {@link OciInputError} saying what is wrong.
 */
export function parseOciUrl(url: string): OciRepositoryAddress {
  if (!url.startsWith(OCI_PREFIX)) throw new OciInputError("URL must be in format 'oci://<domain>/<org>/<repo>'");
  const rest = url.slice(OCI_PREFIX.length);
  if (rest.includes("@")) throw new OciInputError(`URL must not contain a digest; remove '@${rest.split("@")[1]}'`);
  const slash = rest.indexOf("/");
  if (slash <= 0) throw new OciInputError("URL must be in format 'oci://<domain>/<org>/<repo>'");
  let registry = rest.slice(0, slash);
  let repository = rest.slice(slash + 1);
  const colon = repository.indexOf(":");
  if (colon >= 0) throw new OciInputError(`URL must not contain a tag; remove ':${repository.slice(colon + 1)}'`);
  if (!REGISTRY_RE.test(registry)) throw new OciInputError(`registry '${registry}' is not a valid host[:port]`);
  if (!REPOSITORY_RE.test(repository)) {
    throw new OciInputError(
      `repository '${repository}' must be lowercase alphanumeric path components separated by '/', '.', '_' or '-'`,
    );
  }
  if (registry === "docker.io") registry = "index.docker.io";
  if (registry === "index.docker.io" && !repository.includes("/")) repository = `library/${repository}`;
  return { registry, repository };
}

/** True when `tag` is a valid OCI tag. */
export function isValidTag(tag: string): boolean {
  return TAG_RE.test(tag);
}

/** True when `digest` is `sha256:<64 lowercase hex>` (the only algorithm this client verifies). */
export function isValidDigest(digest: string): boolean {
  return DIGEST_RE.test(digest);
}
