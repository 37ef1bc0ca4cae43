import type { KubeClient } from "../kube/kube-client.js";
import type { UnstructuredObject } from "../kube/object-ref.js";

/**
 * Live objects read ahead for a set: key (see {@link liveKey}) → the live object, or `null` when the object
 * provably does not exist. Keys that are absent were not read ahead and must be read one by one.
 */
export type LiveReads = ReadonlyMap<string, UnstructuredObject | null>;

/** Groups smaller than this are read with one GET per object (a LIST would not save requests). */
export const listMinGroup = 4;

/** The key of one object in {@link LiveReads}: apiVersion, kind, namespace (empty when cluster-scoped), name. */
export function liveKey(apiVersion: string, kind: string, namespace: string | undefined, name: string): string {
  return `${apiVersion}|${kind}|${namespace ?? ""}|${name}`;
}

/**
 * Reads the live objects of a set with one LIST per (apiVersion, kind, namespace) instead of one GET per
 * object. Only groups of at least {@link listMinGroup} objects are listed, and each LIST is a single page of
 * at most `4 × group + 50` items: when the collection holds more (a `continue` token comes back), the
 * objects not seen are left for a GET, so a crowded namespace never costs more than a bounded read. Objects
 * whose kind is unknown, whose namespace is missing, or whose LIST fails (e.g. RBAC allows `get` but not
 * `list`) are left out too; their GET reports the problem as before. `run` bounds the concurrency.
 */
export async function prefetchLive(
  client: KubeClient,
  objects: readonly UnstructuredObject[],
  run: <T>(task: () => Promise<T>) => Promise<T>,
): Promise<LiveReads> {
  const groups = new Map<string, { apiVersion: string; kind: string; namespace?: string; names: string[] }>();
  // One discovery lookup per kind, however many objects share it (the client's cache fills after the first).
  const scopes = new Map<string, Promise<boolean>>();
  const isNamespaced = (apiVersion: string, kind: string): Promise<boolean> => {
    const key = `${apiVersion}|${kind}`;
    let scope = scopes.get(key);
    if (!scope) {
      scope = client.resourceFor(apiVersion, kind).then((r) => r.namespaced);
      scopes.set(key, scope);
    }
    return scope;
  };
  await Promise.all(
    objects.map(async (obj) => {
      const name = obj.metadata?.name;
      if (!obj.apiVersion || !obj.kind || !name) return;
      let namespaced: boolean;
      try {
        namespaced = await isNamespaced(obj.apiVersion, obj.kind);
      } catch {
        return;
      }
      const namespace = namespaced ? obj.metadata.namespace : undefined;
      if (namespaced && !namespace) return;
      const key = liveKey(obj.apiVersion, obj.kind, namespace, "");
      let group = groups.get(key);
      if (!group) {
        group = { apiVersion: obj.apiVersion, kind: obj.kind, ...(namespace ? { namespace } : {}), names: [] };
        groups.set(key, group);
      }
      group.names.push(name);
    }),
  );
  const reads = new Map<string, UnstructuredObject | null>();
  await Promise.all(
    [...groups.values()]
      .filter((g) => g.names.length >= listMinGroup)
      .map((g) =>
        run(async () => {
          let page: { items?: UnstructuredObject[] | null; metadata?: { continue?: string } };
          try {
            const path = await client.resourcePath({ apiVersion: g.apiVersion, kind: g.kind, namespace: g.namespace });
            page = (await client.request({
              method: "GET",
              path,
              query: { limit: g.names.length * 4 + 50 },
            })) as typeof page;
          } catch {
            return;
          }
          const found = new Map<string, UnstructuredObject>();
          for (const item of page.items ?? []) {
            if (item.metadata?.name) found.set(item.metadata.name, { ...item, apiVersion: g.apiVersion, kind: g.kind });
          }
          const complete = !page.metadata?.continue;
          for (const name of g.names) {
            const live = found.get(name);
            if (live) reads.set(liveKey(g.apiVersion, g.kind, g.namespace, name), live);
            else if (complete) reads.set(liveKey(g.apiVersion, g.kind, g.namespace, name), null);
          }
        }),
      ),
  );
  return reads;
}
