import type { UnstructuredObject } from "../kube/object-ref.js";

/** The version of an object one of our writes produced. */
export interface WrittenVersion {
  uid: string | undefined;
  resourceVersion: string;
}

/**
 * A bounded, process-wide record of the resourceVersion each of our server-side applies produced, by object
 * (`group|Kind|namespace|name`). A watch cache shared between health checks ({@link watchForSet}) can hold an
 * object from before an apply for a moment; this tells the check to wait for the applied version instead of
 * judging the older one. Entries are evicted oldest first beyond `max`.
 */
export class WrittenVersions {
  readonly #entries = new Map<string, WrittenVersion>();

  constructor(readonly max = 50_000) {}

  /** Records the object an apply returned. */
  record(obj: UnstructuredObject): void {
    const rv = obj.metadata.resourceVersion;
    if (!rv || !obj.metadata.name) return;
    const key = writtenKey(obj.apiVersion, obj.kind, obj.metadata.namespace, obj.metadata.name);
    this.#entries.delete(key);
    this.#entries.set(key, { uid: obj.metadata.uid, resourceVersion: rv });
    while (this.#entries.size > this.max) {
      const oldest = this.#entries.keys().next().value;
      if (oldest === undefined) break;
      this.#entries.delete(oldest);
    }
  }

  /** The last version our writes produced for this object, if remembered. */
  get(apiVersion: string, kind: string, namespace: string | undefined, name: string): WrittenVersion | undefined {
    return this.#entries.get(writtenKey(apiVersion, kind, namespace, name));
  }
}

/** `group|Kind|namespace|name` (the API version's group only: any version names the same object). */
export function writtenKey(apiVersion: string, kind: string, namespace: string | undefined, name: string): string {
  const group = apiVersion.includes("/") ? apiVersion.slice(0, apiVersion.lastIndexOf("/")) : "";
  return `${group}|${kind}|${namespace ?? ""}|${name}`;
}

/**
 * Whether `obj` (from a watch cache) is older than the version our last write of it produced. Numeric
 * resourceVersions (etcd's, ours) are compared; otherwise only a state the cache held before the wait began
 * and that differs from the written one counts as older.
 */
export function olderThanWritten(
  obj: UnstructuredObject,
  written: WrittenVersion | undefined,
  heldBefore: boolean,
): boolean {
  if (!written) return false;
  const rv = obj.metadata.resourceVersion;
  if (rv === written.resourceVersion) return false;
  if (rv && /^\d+$/.test(rv) && /^\d+$/.test(written.resourceVersion)) {
    return BigInt(rv) < BigInt(written.resourceVersion);
  }
  return heldBefore;
}

/** The versions written by every ResourceManager of the process. */
export const writtenVersions = new WrittenVersions();
