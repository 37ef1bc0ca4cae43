// Resolving a Kustomization's `spec.sourceRef` to the source object and its artifact.

import { type Artifact, type Kustomization, SOURCE_API_VERSION } from "@sluice/api";
import type { KubeClient, UnstructuredObject } from "@sluice/runtime";

/** The source kinds this controller reads (their CRDs ship with the chart). */
export const WATCHED_SOURCE_KINDS = ["GitRepository", "OCIRepository", "Bucket"] as const;
/** The source kinds read with the ExternalArtifact feature gate on (as Flux, off by default). */
export const SOURCE_KINDS_WITH_EXTERNAL_ARTIFACT = [...WATCHED_SOURCE_KINDS, "ExternalArtifact"] as const;

/** How {@link getSource} may resolve `spec.sourceRef`. */
export interface SourceAccess {
  /** `--no-cross-namespace-refs`: a source in another namespace stalls the Kustomization (AccessDenied). */
  noCrossNamespaceRefs: boolean;
  /** The ExternalArtifact feature gate: without it, an ExternalArtifact sourceRef stalls (AccessDenied). */
  allowExternalArtifact: boolean;
}

/** A source object as far as the Kustomization reconciler cares: its artifact. */
export interface ArtifactSource {
  apiVersion: string;
  kind: string;
  metadata: { name?: string | undefined; namespace?: string | undefined };
  status?: { artifact?: Artifact | undefined } | undefined;
}

/** `spec.sourceRef` could not be resolved. `notFound` tells a missing object from other failures. */
export class SourceError extends Error {
  constructor(
    message: string,
    readonly notFound: boolean,
    /** Refused by `--no-cross-namespace-refs` (the Kustomization stalls). */
    readonly accessDenied = false,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = "SourceError";
  }
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
 * Reads the source `spec.sourceRef` points at. Throws {@link SourceError}: unsupported kind, a cross-namespace
 * reference refused by `--no-cross-namespace-refs` or an ExternalArtifact without its feature gate
 * (`accessDenied`), not found (`notFound`), other API errors.
 */
export async function getSource(client: KubeClient, obj: Kustomization, access: SourceAccess): Promise<ArtifactSource> {
  const ref = obj.spec.sourceRef;
  const namespace = sourceNamespace(obj);
  if (access.noCrossNamespaceRefs && namespace !== obj.metadata.namespace) {
    throw new SourceError(
      `can't access '${ref.kind}/${namespace}/${ref.name}', cross-namespace references have been blocked`,
      false,
      true,
    );
  }
  if (ref.kind === "ExternalArtifact" && !access.allowExternalArtifact) {
    throw new SourceError(
      `can't access '${ref.kind}/${namespace}/${ref.name}', ExternalArtifact feature gate is disabled`,
      false,
      true,
    );
  }
  if (!(SOURCE_KINDS_WITH_EXTERNAL_ARTIFACT as readonly string[]).includes(ref.kind)) {
    throw new SourceError(`source \`${namespace}/${ref.name}\` kind '${ref.kind}' not supported`, false);
  }
  const apiVersion = ref.apiVersion || SOURCE_API_VERSION;
  let source: ArtifactSource | undefined;
  try {
    source = await client.getOptional<UnstructuredObject & ArtifactSource>({
      apiVersion,
      kind: ref.kind,
      namespace,
      name: ref.name,
    });
  } catch (err: unknown) {
    throw new SourceError(
      `unable to get source '${namespace}/${ref.name}': ${err instanceof Error ? err.message : String(err)}`,
      false,
      false,
      { cause: err },
    );
  }
  if (!source) {
    throw new SourceError(`Source '${sourceRefString(obj)}' not found`, true);
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
