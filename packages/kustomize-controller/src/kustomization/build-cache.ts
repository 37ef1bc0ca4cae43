// Built manifests kept between reconciles, so a reconcile whose inputs did not change skips materializing the
// artifact, generating the kustomization file, spawning kustomize and parsing its output.

import { createHash } from "node:crypto";
import type { Artifact, Kustomization } from "@sluice/api";
import type { UnstructuredObject } from "@sluice/runtime/kube";

/** One cached build: the rendered objects (deep-frozen: shared by every run that hits) and their digest. */
export interface CachedBuild {
  objects: readonly UnstructuredObject[];
  digest: string;
}

/**
 * Spec fields that cannot change what the build produces (they decide how and when the objects are applied,
 * waited for or pruned). Every other field, including ones added later, is part of the key.
 */
const NOT_BUILD_INPUTS = new Set([
  "interval",
  "retryInterval",
  "timeout",
  "suspend",
  "prune",
  "wait",
  "force",
  "healthChecks",
  "healthCheckExprs",
  "dependsOn",
  "ignore",
  "deletionPolicy",
]);

/** Process-wide settings that change the build (`--feature-gates`, `--no-remote-bases`). */
export interface BuildSettings {
  strictSubstitutions: boolean;
  noRemoteBases: boolean;
}

/**
 * The cache key of a build, or undefined when the build must not be cached: `spec.decryption` (the output holds
 * decrypted Secrets, which are not kept beyond a run; and it depends on the keys Secret) or an artifact
 * without a digest. The key is the SHA-256 of JSON (not YAML: cheaper) of the artifact digest, the owner
 * (owner labels), every build-affecting spec field (path, targetNamespace, namePrefix/Suffix, patches, images,
 * components, commonMetadata, postBuild, …), the resolved post-build variables (the values read from the
 * `substituteFrom` ConfigMaps and Secrets, so any change to them is a new key) and the process settings.
 */
export function buildKey(
  obj: Pick<Kustomization, "metadata" | "spec">,
  artifact: Pick<Artifact, "digest" | "url">,
  variables: ReadonlyMap<string, string> | undefined,
  settings: BuildSettings,
): string | undefined {
  if (obj.spec.decryption || !artifact.digest) return undefined;
  const spec = Object.entries(obj.spec)
    .filter(([k]) => !NOT_BUILD_INPUTS.has(k))
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const vars = variables ? [...variables].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)) : null;
  return createHash("sha256")
    .update(
      JSON.stringify([
        1,
        artifact.digest,
        obj.metadata.name ?? "",
        obj.metadata.namespace ?? "",
        spec,
        vars,
        settings.strictSubstitutions,
        settings.noRemoteBases,
      ]),
    )
    .digest("hex");
}

/**
 * A least-recently-used cache of builds bounded by the number of objects it holds (a Map in insertion order is
 * the LRU list, as runtime's VerifiedStates; no library needed for it). Entries are deep-frozen on insert, so
 * a run that mutated a shared object would throw instead of corrupting later runs.
 */
export class BuildCache {
  readonly #entries = new Map<string, CachedBuild>();
  #objects = 0;

  constructor(readonly maxObjects = 20_000) {}

  get(key: string): CachedBuild | undefined {
    const hit = this.#entries.get(key);
    if (!hit) return undefined;
    this.#entries.delete(key);
    this.#entries.set(key, hit);
    return hit;
  }

  set(key: string, objects: readonly UnstructuredObject[], digest: string): CachedBuild {
    const entry: CachedBuild = { objects: deepFreeze([...objects]), digest };
    this.delete(key);
    if (objects.length > this.maxObjects) return entry;
    this.#entries.set(key, entry);
    this.#objects += objects.length;
    for (const [oldest, value] of this.#entries) {
      if (this.#objects <= this.maxObjects) break;
      this.#entries.delete(oldest);
      this.#objects -= value.objects.length;
    }
    return entry;
  }

  delete(key: string): void {
    const old = this.#entries.get(key);
    if (!old) return;
    this.#entries.delete(key);
    this.#objects -= old.objects.length;
  }

  /** Entries held. */
  get size(): number {
    return this.#entries.size;
  }

  /** Objects held over all entries. */
  get objectCount(): number {
    return this.#objects;
  }
}

function deepFreeze<T>(value: T): T {
  if (value === null || typeof value !== "object" || Object.isFrozen(value)) return value;
  for (const v of Object.values(value)) deepFreeze(v);
  return Object.freeze(value);
}
