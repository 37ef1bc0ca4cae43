import { createHash } from "node:crypto";

/** The longest Helm release name. */
export const MAX_RELEASE_NAME_LENGTH = 53;
const SHORT_HASH_LENGTH = 12;

/**
 * Shortens a release name longer than 53 characters as helm-controller does: its first 40 characters,
 * `-`, and the first 12 hex characters of the SHA-256 of the full name. Shorter names are unchanged.
 */
export function shortenReleaseName(name: string): string {
  const bytes = Buffer.from(name, "utf8");
  if (bytes.length <= MAX_RELEASE_NAME_LENGTH) return name;
  const sum = createHash("sha256").update(bytes).digest("hex");
  const prefix = bytes.subarray(0, MAX_RELEASE_NAME_LENGTH - (SHORT_HASH_LENGTH + 1)).toString("utf8");
  return `${prefix}-${sum.slice(0, SHORT_HASH_LENGTH)}`;
}

/** The parts of a HelmRelease that determine its release name. */
export interface ReleaseNameSource {
  metadata: { name?: string | undefined };
  spec: { releaseName?: string | undefined; targetNamespace?: string | undefined };
}

/**
 * The Helm release name helm-controller uses for a HelmRelease: `spec.releaseName` if set, else
 * `[targetNamespace-]name`, shortened with {@link shortenReleaseName} when over 53 characters.
 */
export function defaultReleaseName(hr: ReleaseNameSource): string {
  const name = hr.metadata.name ?? "";
  const full = hr.spec.releaseName
    ? hr.spec.releaseName
    : hr.spec.targetNamespace
      ? `${hr.spec.targetNamespace}-${name}`
      : name;
  return shortenReleaseName(full);
}
