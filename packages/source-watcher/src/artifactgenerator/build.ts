// Building one ExternalArtifact's content: stage the copy operations in a directory of the workspace, name the
// archive after the staged content's hash, archive it into storage, and set Flux's revision
// (`latest@<digest>`, or the revision of the `revision` source).

import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import type { Artifact, OutputArtifact } from "@sluice/api";
import type { ArtifactStorage } from "@sluice/source-controller/storage";
import { applyCopyOperations } from "./copy.js";
import { hashDir } from "./dir-hash.js";

/** What the generator observed of a source: its artifact's digest, revision, URL and origin revision. */
export interface ObservedSource {
  digest: string;
  revision: string;
  url: string;
  originRevision?: string | undefined;
}

/** The storage kind directory of generated artifacts. */
export const EXTERNAL_ARTIFACT_KIND = "ExternalArtifact";

/**
 * Stages `spec`'s copy operations from the extracted `sources` into `<workspace>/<name>` and stores the result
 * as `<kind>/<namespace>/<name>/<content hash>.tar.gz`. Throws CopyOperationError or StorageError.
 */
export async function buildArtifact(
  storage: ArtifactStorage,
  spec: OutputArtifact,
  sources: ReadonlyMap<string, string>,
  namespace: string,
  workspace: string,
): Promise<Artifact> {
  const staging = join(workspace, `artifact-${spec.name}`);
  await mkdir(staging, { recursive: true });
  await applyCopyOperations(spec.copy, sources, staging);
  const hash = await hashDir(staging, spec.name);
  const target = storage.newArtifactFor(EXTERNAL_ARTIFACT_KIND, { namespace, name: spec.name }, "", `${hash}.tar.gz`);
  await storage.mkdirAll(target);
  const artifact = await storage.archive(target, staging);
  return { ...artifact, revision: `latest@${artifact.digest}` };
}

/** The revision and origin-revision metadata a spec asks for, from the observed sources (Flux's rules). */
export function withRevisions(
  artifact: Artifact,
  spec: OutputArtifact,
  observed: ReadonlyMap<string, ObservedSource>,
): Artifact {
  const out: Artifact = { ...artifact };
  if (spec.revision) {
    const src = observed.get(spec.revision.slice(1));
    if (src) out.revision = src.revision;
  }
  if (spec.originRevision) {
    const src = observed.get(spec.originRevision.slice(1));
    const metadata = { ...(out.metadata ?? {}) };
    if (src) metadata["org.opencontainers.image.revision"] = src.originRevision || src.revision;
    out.metadata = metadata;
  }
  return out;
}
