// Parsing ImageRepository `spec.image` as Flux does (go-containerregistry's name.ParseReference plus Flux's
// "no scheme, no tag" rules): which registry and repository to scan, and the canonical name for the status.

/** Where an image repository lives. */
export interface ImageReference {
  /** `host[:port]` to talk to (`index.docker.io` for Docker Hub). */
  registry: string;
  /** Repository path inside the registry (`library/alpine` for Docker Hub's single-segment names). */
  repository: string;
  /** `status.canonicalImageName`: `registry/repository` with every implied part explicit. */
  canonicalName: string;
}

/** `spec.image` can't be used; the message says why (Flux's ImageURLInvalid). */
export class ImageReferenceError extends Error {
  override readonly name = "ImageReferenceError";
}

const DOCKER_HUB = "index.docker.io";
const COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
const REGISTRY =
  /^(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)*|\[[0-9a-fA-F:]+\])(?::[0-9]+)?$/;

/**
 * Parses `spec.image` (`ghcr.io/org/app`, `localhost:5000/app`, `alpine`). The first path segment is the
 * registry when it has a `.` or `:` or is `localhost`; otherwise the image is on Docker Hub. Throws
 * {@link ImageReferenceError} for a URL scheme, a tag or digest, or an invalid repository name.
 */
export function parseImageReference(image: string): ImageReference {
  const scheme = image.split("://");
  if (scheme.length > 1) {
    throw new ImageReferenceError(`image '${image}' should not include URL scheme; remove '${scheme[0]}://'`);
  }
  let rest = image;
  const at = rest.indexOf("@");
  if (at >= 0) rest = rest.slice(0, at);
  const slash = rest.indexOf("/");
  const first = slash >= 0 ? rest.slice(0, slash) : "";
  let registry: string;
  let path: string;
  if (slash >= 0 && (first.includes(".") || first.includes(":") || first === "localhost")) {
    registry = first;
    path = rest.slice(slash + 1);
  } else {
    registry = DOCKER_HUB;
    path = rest;
  }
  const colon = path.indexOf(":");
  if (colon >= 0 || at >= 0) {
    const suffix = colon >= 0 ? path.slice(colon + 1) : image.slice(at + 1);
    throw new ImageReferenceError(`image '${image}' should not include a tag; remove ':${suffix.split(":").pop()}'`);
  }
  if (registry === "docker.io" || registry === "registry-1.docker.io") registry = DOCKER_HUB;
  if (!REGISTRY.test(registry)) {
    throw new ImageReferenceError(
      `could not parse reference: ${image}: registry '${registry}' is not a valid host[:port]`,
    );
  }
  if (path === "" || !path.split("/").every((c) => COMPONENT.test(c))) {
    throw new ImageReferenceError(
      `could not parse reference: ${image}: repository must be lowercase alphanumeric path components separated by '/', '.', '_' or '-'`,
    );
  }
  if (registry === DOCKER_HUB && !path.includes("/")) path = `library/${path}`;
  return { registry, repository: path, canonicalName: `${registry}/${path}` };
}
