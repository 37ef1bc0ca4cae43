// What besides the commit shapes a GitRepository's artifact, and whether it changed since the stored one
// was built (Flux's gitContentConfigChanged): the ignore rules, submodules, includes, sparse checkout and a
// verification still to be done.

import { type Artifact, type GitRepository, type GitRepositoryInclude, SourceCondition } from "@sluice/api";
import { isTrue } from "@sluice/runtime/conditions";

/** The `spec.verify.mode` in effect (`HEAD` when unset; the legacy `head` spelling means `HEAD`). */
export function verificationMode(obj: GitRepository): string | undefined {
  const verify = obj.spec.verify;
  if (!verify) return undefined;
  const mode = verify.mode ?? "HEAD";
  return mode === "head" ? "HEAD" : mode;
}

/** Whether the checkout must be verified (again): verification is configured and not yet done for this mode. */
export function requiresVerification(obj: GitRepository): boolean {
  const mode = verificationMode(obj);
  if (mode === undefined) return false;
  return !isTrue(obj, SourceCondition.SourceVerified) || obj.status?.sourceVerificationMode !== mode;
}

/** Whether two include entries are the same (repository name, fromPath, toPath with their defaults). */
export function includeEqual(a: GitRepositoryInclude, b: GitRepositoryInclude): boolean {
  return (
    a.repository.name === b.repository.name &&
    includeFromPath(a) === includeFromPath(b) &&
    includeToPath(a) === includeToPath(b)
  );
}

/** The path copied from an included artifact (`fromPath`, default the root). */
export function includeFromPath(include: GitRepositoryInclude): string {
  return include.fromPath ?? "";
}

/** Where an included artifact is copied to (`toPath`, default the included repository's name). */
export function includeToPath(include: GitRepositoryInclude): string {
  return include.toPath || include.repository.name;
}

/** Whether the included artifacts differ (by digest, in order) from the ones last built into the artifact. */
export function includedArtifactsDiffer(
  current: readonly Artifact[],
  observed: readonly Artifact[] | undefined,
): boolean {
  if (observed === undefined) return current.length > 0;
  if (current.length !== observed.length) return true;
  return current.some((a, i) => a.digest !== observed[i]?.digest || a.revision !== observed[i]?.revision);
}

/**
 * Whether anything that contributes to the artifact besides the commit changed since the stored artifact
 * was built: `ignore`, `recurseSubmodules`, `include` (entries and their artifacts), `sparseCheckout`, or a
 * verification still to be done. When false and the remote still points at the stored commit, nothing needs
 * to be cloned.
 */
export function contentConfigChanged(obj: GitRepository, includes: readonly Artifact[]): boolean {
  const spec = obj.spec;
  const status = obj.status ?? {};
  if ((spec.ignore ?? undefined) !== (status.observedIgnore ?? undefined)) return true;
  if ((spec.recurseSubmodules ?? false) !== (status.observedRecurseSubmodules ?? false)) return true;
  if (requiresVerification(obj)) return true;
  const sparse = spec.sparseCheckout ?? [];
  const observedSparse = status.observedSparseCheckout ?? [];
  if (sparse.length !== observedSparse.length || sparse.some((d, i) => d !== observedSparse[i])) return true;
  const include = spec.include ?? [];
  const observedInclude = status.observedInclude ?? [];
  if (include.length !== observedInclude.length) return true;
  if (include.some((inc, i) => !includeEqual(inc, observedInclude[i] as GitRepositoryInclude))) return true;
  if (include.length > 0 && includedArtifactsDiffer(includes, status.includedArtifacts)) return true;
  return false;
}
