import { systemContext } from "../api/request-context.js";
import type { ResourceService } from "../api/resource-service.js";
import { ApiError } from "../errors.js";
import { logControllerError } from "../log.js";
import type { ResourceRegistry } from "../resources/registry.js";
import { cloneJson, getPath, isObject, type JsonObject } from "../util/json.js";
import { type KubeObject, ownerReferencesOf } from "../util/meta.js";
import { templateHash } from "./workload-simulator.js";

const DEPLOYMENTS = "apps/deployments";
const REPLICASETS = "apps/replicasets";
const PODS = "/pods";

function str(v: unknown): string {
  return typeof v === "string" ? v : "";
}

function replicasOf(obj: KubeObject): number {
  const r = getPath(obj, ["spec", "replicas"]);
  return typeof r === "number" ? r : 1;
}

function deleting(obj: KubeObject): boolean {
  return typeof obj.metadata["deletionTimestamp"] === "string";
}

function suffix(): string {
  const alphabet = "bcdfghjklmnpqrstvwxz2456789";
  let s = "";
  for (let i = 0; i < 5; i++) s += alphabet[Math.floor(Math.random() * alphabet.length)];
  return s;
}

function ownerRef(owner: KubeObject, kind: string): JsonObject {
  return {
    apiVersion: "apps/v1",
    kind,
    name: str(owner.metadata["name"]),
    uid: str(owner.metadata["uid"]),
    controller: true,
    blockOwnerDeletion: true,
  };
}

/**
 * Stands in for the Deployment and ReplicaSet controllers of a real cluster: each Deployment gets a
 * ReplicaSet `<name>-<template hash>` (owned by it, older ones scaled to 0) and each ReplicaSet gets
 * `spec.replicas` Pods (owned by it; extra ones deleted, deleted ones replaced). The {@link WorkloadSimulator}
 * then reports them Running and Ready, and the garbage collector removes them with their owner. Off by
 * default (`simulatePods`): tests that count objects see no Pods they did not create.
 */
export class ReplicaSimulator {
  private unsubscribe: (() => void) | undefined;
  private readonly timers = new Map<string, NodeJS.Timeout>();
  /**
   * ReplicaSets and Pods by the uid of their controller owner (collection → uid → keys), kept from the store's
   * events: finding what a Deployment or ReplicaSet owns then costs its own objects, not a scan of every
   * ReplicaSet or Pod (which made 1000 Deployments quadratic).
   */
  private readonly byOwner = new Map<string, Map<string, Set<string>>>([
    [REPLICASETS, new Map()],
    [PODS, new Map()],
  ]);
  private readonly ownerOf = new Map<string, string>();
  private readonly ctx = systemContext("kube-controller-manager");

  constructor(
    private readonly svc: ResourceService,
    private readonly registry: ResourceRegistry,
    private readonly delayMs: number,
  ) {}

  /** Starts simulating (also for Deployments and ReplicaSets stored before the start). */
  start(): void {
    const store = this.svc.store;
    for (const ck of [REPLICASETS, PODS])
      for (const [key, obj] of store.collection(ck).items) this.index(ck, key, obj, false);
    this.unsubscribe = store.onEvent((collection, key, e) => {
      if (collection === REPLICASETS || collection === PODS)
        this.index(collection, key, e.object, e.type === "DELETED");
      if (collection === DEPLOYMENTS || collection === REPLICASETS) {
        if (e.type !== "DELETED") this.schedule(collection, key);
      } else if (collection === PODS && e.type === "DELETED") {
        const owner = ownerReferencesOf(e.object).find((r) => r.kind === "ReplicaSet" && r.controller === true);
        const ns = str(e.object.metadata["namespace"]);
        if (owner) this.schedule(REPLICASETS, `${ns}/${owner.name}`);
      }
    });
    for (const ck of [DEPLOYMENTS, REPLICASETS]) for (const [key] of store.collection(ck).items) this.schedule(ck, key);
  }

  /** Stops simulating. */
  stop(): void {
    this.unsubscribe?.();
    for (const t of this.timers.values()) clearTimeout(t);
    this.timers.clear();
  }

  private schedule(collection: string, key: string): void {
    const id = `${collection}\u0000${key}`;
    if (this.timers.has(id)) return;
    this.timers.set(
      id,
      setTimeout(() => {
        this.timers.delete(id);
        try {
          if (collection === DEPLOYMENTS) this.syncDeployment(key);
          else this.syncReplicaSet(key);
        } catch (err: unknown) {
          if (err instanceof ApiError && (err.code === 404 || err.code === 409)) return;
          logControllerError("replica-simulator", key, err);
        }
      }, this.delayMs),
    );
  }

  /** Files `key` of `collection` under its controller owner's uid (or removes it). */
  private index(collection: string, key: string, obj: KubeObject, deleted: boolean): void {
    const byUid = this.byOwner.get(collection);
    if (!byUid) return;
    const id = `${collection}\u0000${key}`;
    const uid = deleted ? undefined : ownerReferencesOf(obj).find((r) => r.controller === true)?.uid;
    const old = this.ownerOf.get(id);
    if (old === uid) return;
    if (old !== undefined) {
      const keys = byUid.get(old);
      keys?.delete(key);
      if (keys?.size === 0) byUid.delete(old);
      this.ownerOf.delete(id);
    }
    if (uid) {
      let keys = byUid.get(uid);
      if (!keys) {
        keys = new Set();
        byUid.set(uid, keys);
      }
      keys.add(key);
      this.ownerOf.set(id, uid);
    }
  }

  private owned(collection: string, namespace: string, ownerUid: string): Array<[string, KubeObject]> {
    const out: Array<[string, KubeObject]> = [];
    for (const key of this.byOwner.get(collection)?.get(ownerUid) ?? []) {
      const obj = this.svc.store.get(collection, key);
      if (!obj || str(obj.metadata["namespace"]) !== namespace) continue;
      if (ownerReferencesOf(obj).some((r) => r.uid === ownerUid && r.controller === true)) out.push([key, obj]);
    }
    return out;
  }

  private syncDeployment(key: string): void {
    const rtD = this.registry.byStorageKey(DEPLOYMENTS);
    const rtRs = this.registry.byStorageKey(REPLICASETS);
    const stored = this.svc.store.get(DEPLOYMENTS, key);
    if (!rtD || !rtRs || !stored || deleting(stored)) return;
    const d = this.svc.toVersion(rtD, stored);
    const ns = str(d.metadata["namespace"]);
    const hash = templateHash(d);
    const rsName = `${str(d.metadata["name"])}-${hash}`;
    const replicas = replicasOf(d);
    const owned = this.owned(REPLICASETS, ns, str(d.metadata["uid"]));
    for (const [rsKey, rs] of owned) {
      const current = this.svc.toVersion(rtRs, rs);
      const want = str(rs.metadata["name"]) === rsName ? replicas : 0;
      if (replicasOf(current) === want || deleting(current)) continue;
      const next = cloneJson(current);
      (next["spec"] as JsonObject)["replicas"] = want;
      this.svc.commitUpdate(rtRs, rsKey, current, next, this.ctx);
    }
    if (owned.some(([, rs]) => str(rs.metadata["name"]) === rsName)) return;
    const template = cloneJson((getPath(d, ["spec", "template"]) ?? {}) as JsonObject);
    const tplMeta = isObject(template["metadata"]) ? template["metadata"] : {};
    const labels = { ...(isObject(tplMeta["labels"]) ? tplMeta["labels"] : {}), "pod-template-hash": hash };
    template["metadata"] = { ...tplMeta, labels };
    const selector = cloneJson((getPath(d, ["spec", "selector"]) ?? {}) as JsonObject);
    selector["matchLabels"] = {
      ...(isObject(selector["matchLabels"]) ? selector["matchLabels"] : {}),
      "pod-template-hash": hash,
    };
    this.svc.create(
      rtRs,
      ns,
      {
        apiVersion: "apps/v1",
        kind: "ReplicaSet",
        metadata: { name: rsName, namespace: ns, labels, ownerReferences: [ownerRef(d, "Deployment")] },
        spec: { replicas, selector, template },
      },
      this.ctx,
    );
  }

  private syncReplicaSet(key: string): void {
    const rtRs = this.registry.byStorageKey(REPLICASETS);
    const rtPod = this.registry.byStorageKey(PODS);
    const stored = this.svc.store.get(REPLICASETS, key);
    if (!rtRs || !rtPod || !stored || deleting(stored)) return;
    const rs = this.svc.toVersion(rtRs, stored);
    const ns = str(rs.metadata["namespace"]);
    const pods = this.owned(PODS, ns, str(rs.metadata["uid"])).filter(([, p]) => !deleting(p));
    const want = replicasOf(rs);
    for (let i = pods.length; i < want; i++) {
      const template = (getPath(rs, ["spec", "template"]) ?? {}) as JsonObject;
      const tplMeta = isObject(template["metadata"]) ? template["metadata"] : {};
      this.svc.create(
        rtPod,
        ns,
        {
          apiVersion: "v1",
          kind: "Pod",
          metadata: {
            name: `${str(rs.metadata["name"])}-${suffix()}`,
            namespace: ns,
            labels: cloneJson((isObject(tplMeta["labels"]) ? tplMeta["labels"] : {}) as JsonObject),
            ownerReferences: [ownerRef(rs, "ReplicaSet")],
          },
          spec: {
            ...cloneJson((isObject(template["spec"]) ? template["spec"] : {}) as JsonObject),
            nodeName: "sluice",
          },
        },
        this.ctx,
      );
    }
    for (const [, pod] of pods.slice(want)) {
      this.svc.delete(
        rtPod,
        ns,
        str(pod.metadata["name"]),
        { preconditions: { uid: str(pod.metadata["uid"]) } },
        this.ctx,
      );
    }
  }
}
