// The metadata helm-controller annotates its release events with (eventMeta in internal/reconcile/
// release.go): chart version as `revision`, config digest as `token`, plus app version and OCI digest. The
// event recorder prefixes each key with `helm.toolkit.fluxcd.io/`.

import type { HelmReleaseSnapshot } from "@sluice/api";

/** Event metadata of a release: `revision`, `token`, `app-version`, `oci-digest` (empty ones left out). */
export function eventMetadata(
  revision: string,
  token: string,
  appVersion?: string | undefined,
  ociDigest?: string | undefined,
): Record<string, string> {
  const out: Record<string, string> = {};
  if (revision) out["revision"] = revision;
  if (token) out["token"] = token;
  if (appVersion) out["app-version"] = appVersion;
  if (ociDigest) out["oci-digest"] = ociDigest;
  return out;
}

/** Event metadata of a history snapshot. */
export function snapshotEventMetadata(snap: HelmReleaseSnapshot): Record<string, string> {
  return eventMetadata(snap.chartVersion, snap.configDigest, snap.appVersion, snap.ociDigest);
}
