// Resolving a Kustomization's `spec.sourceRef` to the source object and its artifact.

import { type Artifact, type Kustomization, KustomizationReason, SOURCE_API_VERSION } from "@sluice/api";
import { errorMessage, GenericReconcileError, StallingError, WaitingError } from "@sluice/runtime/errors";
import type { KubeClient, UnstructuredObject } from "@sluice/runtime/kube";

/** The source kinds this controller reads (their CRDs ship with the chart). */
export const WATCHED_SOURCE_KINDS = ["GitRepository", "OCIRepository", "Bucket"] as const;

/** The source kinds read with the ExternalArtifact feature gate on (as Flux, off by default). */
export const SOURCE_KINDS_WITH_EXTERNAL_ARTIFACT = [...WATCHED_SOURCE_KINDS, "ExternalArtifact"] as const;

/** A source object as far as the Kustomization reconciler cares: its artifact. */
export interface ArtifactSource {
  apiVersion: string;
  kind: string;
  metadata: { name?: string | undefined; namespace?: string | undefined };
  status?: { artifact?: Artifact | undefined } | undefined;
}

/** The namespace of the source: `sourceRef.namespace`, else the Kustomization's. */
export function sourceNamespace(obj: Kustomization): string {
  return obj.spec.sourceRef.namespace || obj.metadata.namespace || "";
}

/** `Kind/namespace/name` of the source, as Flux's CrossNamespaceSourceReference.String() prints it. */
export function sourceRefString(obj: Kustomization): string {
  const ref = obj.spec.sourceRef;
  return ref.namespace ? `${ref.kind}/${ref.namespace}/${ref.name}` : `${ref.kind}/${ref.name}`;
}

/** The index value under which Kustomizations are filed by source: `Kind/namespace/name`. */
export function sourceIndexKey(kind: string, namespace: string, name: string): string {
  return `${kind}/${namespace}/${name}`;
}

/**
 * Reads a source from the controller's informer cache: `{ found }` (undefined when the synced cache has no
 * such object), or undefined when the cache cannot answer (kind or namespace not cached, not synced yet).
 */
export type CachedSourceReader = (
  apiVersion: string,
  kind: string,
  namespace: string,
  name: string,
) => { found: ArtifactSource | undefined } | undefined;

/** Options of {@link getSource}. */
export interface GetSourceOptions {
  /** The informer cache of the watched source kinds (read as Flux's cached client does), else a GET. */
  cache?: CachedSourceReader | undefined;
  /** `--no-cross-namespace-refs`. */
  noCrossNamespaceRefs: boolean;
  /** Delay before looking for a missing source again (the Kustomization's retry interval), ms. */
  notFoundRetryMs: number;
  /** The ExternalArtifact feature gate: without it, an ExternalArtifact sourceRef stalls (AccessDenied). */
  allowExternalArtifact: boolean;
}

/** The API's resource name of a source kind (`gitrepositories.source.toolkit.fluxcd.io`), as in NotFound errors. */
function resourceName(kind: string, apiVersion: string): string {
  const plural = kind.toLowerCase().endsWith("y") ? `${kind.toLowerCase().slice(0, -1)}ies` : `${kind.toLowerCase()}s`;
  const group = apiVersion.includes("/") ? apiVersion.slice(0, apiVersion.indexOf("/")) : "";
  return group ? `${plural}.${group}` : plural;
}

/**
 * Reads the source `spec.sourceRef` points at. Failures set Ready=False through the error thrown, with
 * Flux's messages: a cross-namespace reference refused by `--no-cross-namespace-refs` stalls (AccessDenied,
 * `can't access '<Kind>/<ns>/<name>', cross-namespace references have been blocked`), as does an
 * ExternalArtifact without its feature gate; a missing source is
 * waited for (ArtifactFailed with the API's NotFound text, `gitrepositories.source.toolkit.fluxcd.io "<name>"
 * not found`, retried after `notFoundRetryMs`, no event); an unsupported kind or an API error is retried
 * with backoff (ArtifactFailed, no event).
 */
export async function getSource(
  client: KubeClient,
  obj: Kustomization,
  options: GetSourceOptions,
): Promise<ArtifactSource> {
  const ref = obj.spec.sourceRef;
  const namespace = sourceNamespace(obj);
  if (options.noCrossNamespaceRefs && namespace !== obj.metadata.namespace) {
    throw new StallingError(
      "AccessDenied",
      `can't access '${ref.kind}/${namespace}/${ref.name}', cross-namespace references have been blocked`,
    );
  }
  if (ref.kind === "ExternalArtifact" && !options.allowExternalArtifact) {
    throw new StallingError(
      "AccessDenied",
      `can't access '${ref.kind}/${namespace}/${ref.name}', ExternalArtifact feature gate is disabled`,
    );
  }
  if (!(SOURCE_KINDS_WITH_EXTERNAL_ARTIFACT as readonly string[]).includes(ref.kind)) {
    throw new GenericReconcileError(
      KustomizationReason.ArtifactFailed,
      `source \`${ref.name}\` kind '${ref.kind}' not supported`,
      { event: false },
    );
  }
  const apiVersion = ref.apiVersion || SOURCE_API_VERSION;
  let source: ArtifactSource | undefined;
  try {
    const cached = options.cache?.(apiVersion, ref.kind, namespace, ref.name);
    source = cached
      ? cached.found
      : await client.getOptional<UnstructuredObject & ArtifactSource>({
          apiVersion,
          kind: ref.kind,
          namespace,
          name: ref.name,
        });
  } catch (err: unknown) {
    throw new GenericReconcileError(
      KustomizationReason.ArtifactFailed,
      `unable to get source '${namespace}/${ref.name}': ${errorMessage(err)}`,
      { event: false, cause: err },
    );
  }
  if (!source) {
    throw new WaitingError(
      KustomizationReason.ArtifactFailed,
      `${resourceName(ref.kind, apiVersion)} "${ref.name}" not found`,
      options.notFoundRetryMs,
    );
  }
  return source;
}

/** The `org.opencontainers.image.revision` of an OCI artifact (Flux's lastAppliedOriginRevision), if any. */
export function originRevision(artifact: Artifact): string | undefined {
  return artifact.metadata?.["org.opencontainers.image.revision"] || undefined;
}

/** Whether a revision names the same artifact revision (`main@sha1:abc` equals `sha1:abc` as Flux's HasRevision). */
export function sameRevision(artifactRevision: string, revision: string | undefined): boolean {
  if (!revision) return false;
  if (artifactRevision === revision) return true;
  const digestOf = (r: string) => (r.includes("@") ? r.slice(r.lastIndexOf("@") + 1) : r);
  return digestOf(artifactRevision) === digestOf(revision);
}
