import type { CommonMetadata } from "@sluice/api";
import { stringify } from "yaml";
import { type SubstituteOptions, substituteObjects } from "../substitute/substitute.js";
import {
  type BuildDecryptor,
  type BuildOptions,
  type BuildResult,
  type BuiltObject,
  buildKustomization,
} from "./build.js";
import { setCommonMetadata, setOwnerLabels } from "./owner-labels.js";

/** Options for {@link renderKustomization}. */
export interface RenderOptions extends BuildOptions {
  /** The Kustomization whose owner labels go on every object. */
  owner: { name: string; namespace: string };
  /** Post-build variables, already merged (see `mergeSubstituteVariables`); none means no substitution. */
  variables?: ReadonlyMap<string, string> | undefined;
  /** Substitution strictness and strategy. */
  substitute?: SubstituteOptions | undefined;
  /** `spec.commonMetadata`. */
  commonMetadata?: CommonMetadata | undefined;
}

/**
 * Produces the objects a Kustomization applies, in kustomize-controller's order: kustomize build
 * ({@link buildKustomization}), post-build substitution per object, owner labels, then `commonMetadata`.
 * Throws the build's or the substitution's errors (all map to `BuildFailed`).
 */
export async function renderKustomization(options: RenderOptions): Promise<BuildResult> {
  const built = await buildKustomization(options);
  if (options.decryptor) await decryptBuilt(built, options.decryptor);
  const objects: BuiltObject[] = substituteObjects(
    built.objects,
    options.variables ?? new Map(),
    options.substitute,
    built.documents,
  );
  setOwnerLabels(objects, options.owner);
  setCommonMetadata(objects, options.commonMetadata);
  return { ...built, objects };
}

/** SOPS-decrypts built objects in place (before substitution, as Flux); their YAML texts follow the plaintext. */
async function decryptBuilt(built: BuildResult, decryptor: BuildDecryptor): Promise<void> {
  for (const [i, obj] of built.objects.entries()) {
    const plain = await decryptor.decryptResource(obj);
    if (!plain) continue;
    built.objects[i] = plain;
    built.documents[i] = stringify(plain, { lineWidth: 0 });
  }
}
