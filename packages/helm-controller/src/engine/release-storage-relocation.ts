// Flux's release storage layout with the helm CLI: helm keeps a release's records (Secrets
// `sh.helm.release.v1.<name>.v<N>`, labelled owner=helm,name=<name>) in the namespace it installs into, while
// Flux keeps them in `spec.storageNamespace` (the HelmRelease's namespace by default, also with
// targetNamespace). The records live in the storage namespace; for the length of one helm command they are
// staged into the release namespace, and afterwards everything helm wrote there is moved back (what helm pruned
// or uninstalled is removed from the storage namespace too).

import type { KubeClient, UnstructuredObject } from "@sluice/runtime";
import { isAlreadyExists, isNotFound } from "@sluice/runtime";

type Secret = UnstructuredObject & { type?: string; data?: Record<string, string> };

/** The records of release `name` in `namespace`, by Secret name. */
async function records(client: KubeClient, namespace: string, name: string): Promise<Map<string, Secret>> {
  const list = await client.list<Secret>("v1", "Secret", { namespace, labelSelector: `owner=helm,name=${name}` });
  return new Map(list.items.map((s) => [s.metadata.name ?? "", s]));
}

/** Writes a copy of `record` (type, labels, data) into `namespace`, replacing one of the same name. */
async function put(client: KubeClient, record: Secret, namespace: string): Promise<void> {
  const copy: Secret = {
    apiVersion: "v1",
    kind: "Secret",
    metadata: { name: record.metadata.name ?? "", namespace, labels: { ...(record.metadata.labels ?? {}) } },
    ...(record.type ? { type: record.type } : {}),
    data: { ...(record.data ?? {}) },
  };
  try {
    await client.create(copy);
  } catch (err: unknown) {
    if (!isAlreadyExists(err)) throw err;
    const existing = await client.get<Secret>({
      apiVersion: "v1",
      kind: "Secret",
      namespace,
      name: copy.metadata.name ?? "",
    });
    await client.replace({
      ...copy,
      metadata: { ...copy.metadata, resourceVersion: existing.metadata.resourceVersion ?? "" },
    });
  }
}

async function remove(client: KubeClient, namespace: string, name: string): Promise<void> {
  await client.delete({ apiVersion: "v1", kind: "Secret", namespace, name }).catch((err: unknown) => {
    if (!isNotFound(err)) throw err;
  });
}

/** Where one release's records are kept and where helm reads and writes them. */
export interface StorageLocation {
  /** Release name (the records' `name` label). */
  name: string;
  /** Where the records are kept between helm commands (Flux's storage namespace). */
  storageNamespace: string;
  /** Where helm reads and writes them (the release namespace, helm's `--namespace`). */
  namespace: string;
}

/** Copies the kept records helm has not got yet into the release namespace, before a helm command. */
export async function stageReleaseRecords(client: KubeClient, at: StorageLocation): Promise<void> {
  if (at.storageNamespace === at.namespace) return;
  const working = await records(client, at.namespace, at.name);
  for (const [name, record] of await records(client, at.storageNamespace, at.name)) {
    if (!working.has(name)) await put(client, record, at.namespace);
  }
}

/**
 * Moves the records helm left in the release namespace into the storage namespace, removing kept ones helm no
 * longer has (pruned history, uninstall). With `recover`, only when records were left behind (a reader calls
 * it first, in case a run stopped between a helm command and this move).
 */
export async function unstageReleaseRecords(client: KubeClient, at: StorageLocation, recover = false): Promise<void> {
  if (at.storageNamespace === at.namespace) return;
  const working = await records(client, at.namespace, at.name);
  if (recover && working.size === 0) return;
  const kept = await records(client, at.storageNamespace, at.name);
  for (const record of working.values()) await put(client, record, at.storageNamespace);
  for (const name of kept.keys()) if (!working.has(name)) await remove(client, at.storageNamespace, name);
  for (const name of working.keys()) await remove(client, at.namespace, name);
}

/** Moves every record of a release from one namespace to another (adopting an earlier layout). */
export async function moveReleaseRecords(client: KubeClient, name: string, from: string, to: string): Promise<void> {
  if (from === to) return;
  for (const record of (await records(client, from, name)).values()) {
    await put(client, record, to);
    await remove(client, from, record.metadata.name ?? "");
  }
}
