// The resource tree of a Kustomization or HelmRelease: its inventory (`status.inventory`), each object
// with its kstatus health, nested Kustomizations/HelmReleases expanded through their own inventories, and
// workloads' children (Deployment → ReplicaSets → Pods; StatefulSet/DaemonSet/Job → Pods). Only names,
// kinds and health leave the server: an inventoried Secret or ConfigMap is read for its health, never sent.

import { HELM_API_VERSION, KUSTOMIZE_API_VERSION, parseInventoryEntry } from "@sluice/api";
import type { KubeClient, UnstructuredObject } from "@sluice/runtime/kube";
import { computeStatus } from "@sluice/runtime/ssa";
import type { TreeNode } from "../shared/api.js";
import type { FluxObject } from "./summarize.js";

/** Most nodes one tree returns; the rest are summarised in one node. */
export const MAX_TREE_NODES = 2000;
const MAX_DEPTH = 4;

interface InventoryStatus {
  inventory?: { entries?: Array<{ id: string; v: string }> };
}

interface OwnerRef {
  uid?: string;
  controller?: boolean;
}

/** Per-request cache of namespace lists of ReplicaSets and Pods (one list per namespace and kind). */
class ChildIndex {
  private readonly lists = new Map<string, Promise<UnstructuredObject[]>>();

  constructor(private readonly client: KubeClient) {}

  async ownedBy(apiVersion: string, kind: string, namespace: string, uid: string): Promise<UnstructuredObject[]> {
    const key = `${kind}/${namespace}`;
    let list = this.lists.get(key);
    if (!list) {
      list = this.client
        .list<UnstructuredObject>(apiVersion, kind, { namespace })
        .then((l) => l.items)
        .catch(() => []);
      this.lists.set(key, list);
    }
    const items = await list;
    return items
      .filter((o) =>
        ((o.metadata.ownerReferences ?? []) as OwnerRef[]).some((r) => r.uid === uid && r.controller === true),
      )
      .sort((a, b) => (a.metadata.name ?? "").localeCompare(b.metadata.name ?? ""));
  }
}

function node(obj: { apiVersion: string; kind: string; namespace?: string | undefined; name: string }): TreeNode {
  return {
    apiVersion: obj.apiVersion,
    kind: obj.kind,
    namespace: obj.namespace ?? "",
    name: obj.name,
    health: "NotFound",
    message: "not found in the cluster",
    children: [],
  };
}

function health(obj: UnstructuredObject): { health: string; message: string } {
  try {
    const s = computeStatus(obj);
    return { health: s.status, message: s.message };
  } catch (err: unknown) {
    return { health: "Unknown", message: err instanceof Error ? err.message : String(err) };
  }
}

/** Builds resource trees with the UI's own client. */
export class ResourceTreeBuilder {
  private count = 0;
  private readonly children: ChildIndex;
  private readonly seen = new Set<string>();

  constructor(private readonly client: KubeClient) {
    this.children = new ChildIndex(client);
  }

  /** The tree under a Kustomization or HelmRelease (its inventory's objects). */
  async build(owner: FluxObject): Promise<TreeNode[]> {
    this.seen.add(`${owner.kind}/${owner.metadata.namespace}/${owner.metadata.name}`);
    return this.inventory(owner, 0);
  }

  private async inventory(owner: { status?: unknown }, depth: number): Promise<TreeNode[]> {
    const entries = (owner.status as InventoryStatus | undefined)?.inventory?.entries ?? [];
    const nodes: TreeNode[] = [];
    for (const entry of entries) {
      if (this.count >= MAX_TREE_NODES) {
        nodes.push({
          ...node({ apiVersion: "", kind: "…", name: `${entries.length} objects, tree cut` }),
          health: "Unknown",
          message: `more than ${MAX_TREE_NODES} objects`,
        });
        break;
      }
      let ref: ReturnType<typeof parseInventoryEntry>;
      try {
        ref = parseInventoryEntry(entry);
      } catch {
        continue;
      }
      nodes.push(
        await this.object(
          { apiVersion: ref.apiVersion, kind: ref.kind, namespace: ref.namespace, name: ref.name },
          depth,
        ),
      );
    }
    return nodes;
  }

  private async object(
    ref: { apiVersion: string; kind: string; namespace: string; name: string },
    depth: number,
  ): Promise<TreeNode> {
    this.count++;
    const n = node(ref);
    const live = await this.client
      .getOptional<UnstructuredObject>({
        apiVersion: ref.apiVersion,
        kind: ref.kind,
        ...(ref.namespace ? { namespace: ref.namespace } : {}),
        name: ref.name,
      })
      .catch((err: unknown) => {
        n.health = "Unknown";
        n.message = err instanceof Error ? err.message : String(err);
        return undefined;
      });
    if (!live) return n;
    Object.assign(n, health(live));
    if (depth >= MAX_DEPTH) return n;
    const id = `${ref.kind}/${ref.namespace}/${ref.name}`;
    const isFlux =
      (ref.kind === "Kustomization" && ref.apiVersion === KUSTOMIZE_API_VERSION) ||
      (ref.kind === "HelmRelease" && ref.apiVersion.startsWith(HELM_API_VERSION.split("/")[0]!));
    if (isFlux && !this.seen.has(id)) {
      this.seen.add(id);
      n.children = await this.inventory({ status: live["status"] }, depth + 1);
    } else {
      n.children = await this.workloadChildren(live, depth);
    }
    return n;
  }

  private async workloadChildren(obj: UnstructuredObject, depth: number): Promise<TreeNode[]> {
    const ns = obj.metadata.namespace ?? "";
    const uid = obj.metadata.uid ?? "";
    const group = obj.apiVersion.split("/")[0];
    let owned: UnstructuredObject[] = [];
    if (obj.kind === "Deployment" && group === "apps")
      owned = await this.children.ownedBy("apps/v1", "ReplicaSet", ns, uid);
    else if (
      ((obj.kind === "ReplicaSet" || obj.kind === "StatefulSet" || obj.kind === "DaemonSet") && group === "apps") ||
      (obj.kind === "Job" && group === "batch")
    ) {
      owned = await this.children.ownedBy("v1", "Pod", ns, uid);
    }
    const out: TreeNode[] = [];
    for (const child of owned) {
      if (this.count >= MAX_TREE_NODES) break;
      // Old ReplicaSets scaled to zero are history, not part of what runs.
      if (child.kind === "ReplicaSet" && (child["spec"] as { replicas?: number } | undefined)?.replicas === 0) continue;
      this.count++;
      const n: TreeNode = {
        ...node({ apiVersion: child.apiVersion, kind: child.kind, namespace: ns, name: child.metadata.name ?? "" }),
        ...health(child),
      };
      if (depth < MAX_DEPTH) n.children = await this.workloadChildren(child, depth + 1);
      out.push(n);
    }
    return out;
  }
}
