import { systemContext } from "../api/request-context.js";
import type { ResourceService } from "../api/resource-service.js";
import { ApiError } from "../errors.js";
import { logControllerError } from "../log.js";
import type { ResourceRegistry } from "../resources/registry.js";
import type { ResourceType } from "../resources/resource-type.js";
import type { StoreEvent } from "../store/watch-event.js";
import { cloneJson } from "../util/json.js";
import { finalizersOf, type KubeObject, ownerReferencesOf } from "../util/meta.js";
import { KeyQueue } from "./work-queue.js";

interface Location {
  collection: string;
  key: string;
}

function loc(l: Location): string {
  return `${l.collection}\u0000${l.key}`;
}

function parseLoc(s: string): Location {
  const i = s.indexOf("\u0000");
  return { collection: s.slice(0, i), key: s.slice(i + 1) };
}

/**
 * The garbage collector: deletes dependents whose owners (metadata.ownerReferences) are all gone (background
 * propagation), deletes dependents first for owners deleted with `foregroundDeletion` (then drops the finalizer),
 * and orphans dependents for owners deleted with the `orphan` finalizer.
 */
export class GarbageCollector {
  private readonly uidIndex = new Map<string, string>();
  private readonly dependents = new Map<string, Set<string>>();
  private readonly queue: KeyQueue;
  private unsubscribe: (() => void) | undefined;
  private readonly ctx = systemContext("generic-garbage-collector");

  constructor(
    private readonly svc: ResourceService,
    private readonly registry: ResourceRegistry,
  ) {
    this.queue = new KeyQueue(
      (k) => this.process(k),
      (k, err) => logControllerError("garbage-collector", k.replace("\u0000", " "), err),
    );
  }

  /** Indexes every object and starts reacting to changes. */
  start(): void {
    const store = this.svc.store;
    for (const ck of store.collectionKeys()) {
      for (const [key, obj] of store.collection(ck).items) this.index({ collection: ck, key }, obj, undefined);
    }
    this.unsubscribe = store.onEvent((collection, key, event) => this.onEvent({ collection, key }, event));
    for (const ck of store.collectionKeys()) {
      for (const [key, obj] of store.collection(ck).items) {
        if (ownerReferencesOf(obj).length > 0 || typeof obj.metadata["deletionTimestamp"] === "string") {
          this.queue.add(loc({ collection: ck, key }));
        }
      }
    }
  }

  /** Stops the collector. */
  stop(): void {
    this.unsubscribe?.();
    this.queue.stop();
  }

  private index(l: Location, obj: KubeObject, previous: KubeObject | undefined): void {
    const id = loc(l);
    const uid = obj.metadata["uid"];
    if (typeof uid === "string") this.uidIndex.set(uid, id);
    if (previous) for (const r of ownerReferencesOf(previous)) this.dependents.get(r.uid)?.delete(id);
    for (const r of ownerReferencesOf(obj)) {
      let set = this.dependents.get(r.uid);
      if (!set) {
        set = new Set();
        this.dependents.set(r.uid, set);
      }
      set.add(id);
    }
  }

  private onEvent(l: Location, e: StoreEvent): void {
    const id = loc(l);
    if (e.type === "DELETED") {
      const uid = e.object.metadata["uid"];
      if (typeof uid === "string") {
        this.uidIndex.delete(uid);
        for (const d of this.dependents.get(uid) ?? []) this.queue.add(d);
        this.dependents.delete(uid);
      }
      for (const r of ownerReferencesOf(e.object)) {
        this.dependents.get(r.uid)?.delete(id);
        const owner = this.uidIndex.get(r.uid);
        if (owner) this.queue.add(owner);
      }
      return;
    }
    this.index(l, e.object, e.previous);
    if (typeof e.object.metadata["deletionTimestamp"] === "string" || ownerReferencesOf(e.object).length > 0) {
      this.queue.add(id);
    }
  }

  private process(id: string): void {
    const l = parseLoc(id);
    const obj = this.svc.store.get(l.collection, l.key);
    const rt = this.registry.byStorageKey(l.collection);
    if (!obj || !rt) return;
    const uid = String(obj.metadata["uid"]);
    const fins = finalizersOf(obj);
    if (typeof obj.metadata["deletionTimestamp"] === "string") {
      if (fins.includes("orphan")) {
        for (const d of [...(this.dependents.get(uid) ?? [])]) this.removeOwnerRef(parseLoc(d), uid);
        this.removeFinalizer(l, "orphan");
        return;
      }
      if (fins.includes("foregroundDeletion")) {
        const deps = [...(this.dependents.get(uid) ?? [])];
        let blocking = 0;
        for (const d of deps) {
          const dl = parseLoc(d);
          const dep = this.svc.store.get(dl.collection, dl.key);
          const drt = this.registry.byStorageKey(dl.collection);
          if (!dep || !drt) continue;
          const ref = ownerReferencesOf(dep).find((r) => r.uid === uid);
          if (ref?.blockOwnerDeletion === true) blocking++;
          if (typeof dep.metadata["deletionTimestamp"] !== "string") {
            this.deleteQuietly(drt, dep, "Foreground");
          }
        }
        if (blocking === 0) this.removeFinalizer(l, "foregroundDeletion");
        return;
      }
    }
    const refs = ownerReferencesOf(obj);
    if (refs.length === 0) return;
    const absent = refs.filter((r) => {
      const ownerId = this.uidIndex.get(r.uid);
      if (!ownerId) return true;
      const o = parseLoc(ownerId);
      const owner = this.svc.store.get(o.collection, o.key);
      return !owner || owner.metadata["uid"] !== r.uid;
    });
    const waitingOwners = refs.filter((r) => {
      const ownerId = this.uidIndex.get(r.uid);
      if (!ownerId) return false;
      const o = parseLoc(ownerId);
      const owner = this.svc.store.get(o.collection, o.key);
      return owner !== undefined && finalizersOf(owner).includes("foregroundDeletion");
    });
    if (absent.length === 0) return;
    if (typeof obj.metadata["deletionTimestamp"] === "string") return;
    if (absent.length === refs.length) {
      this.deleteQuietly(rt, obj, waitingOwners.length > 0 ? "Foreground" : "Background");
      return;
    }
    // Some owners remain: drop the references to the ones that are gone.
    const next = cloneJson(obj);
    const gone = new Set(absent.map((r) => r.uid));
    const kept = (next.metadata["ownerReferences"] as KubeObject[]).filter((r) => !gone.has(String(r["uid"])));
    next.metadata["ownerReferences"] = kept;
    this.svc.commitUpdate(rt, l.key, this.svc.toVersion(rt, obj), next, this.ctx);
  }

  private deleteQuietly(rt: ResourceType, obj: KubeObject, policy: "Background" | "Foreground"): void {
    const ns = typeof obj.metadata["namespace"] === "string" ? obj.metadata["namespace"] : "";
    try {
      this.svc.delete(
        rt,
        ns,
        String(obj.metadata["name"]),
        { propagationPolicy: policy, preconditions: { uid: String(obj.metadata["uid"]) } },
        this.ctx,
      );
    } catch (err: unknown) {
      if (err instanceof ApiError && (err.code === 404 || err.code === 409)) return;
      throw err;
    }
  }

  private removeOwnerRef(l: Location, ownerUid: string): void {
    const obj = this.svc.store.get(l.collection, l.key);
    const rt = this.registry.byStorageKey(l.collection);
    if (!obj || !rt) return;
    const next = cloneJson(obj);
    const refs = (next.metadata["ownerReferences"] as KubeObject[] | undefined) ?? [];
    const kept = refs.filter((r) => r["uid"] !== ownerUid);
    if (kept.length === refs.length) return;
    if (kept.length > 0) next.metadata["ownerReferences"] = kept;
    else delete next.metadata["ownerReferences"];
    this.svc.commitUpdate(rt, l.key, this.svc.toVersion(rt, obj), next, this.ctx);
  }

  private removeFinalizer(l: Location, finalizer: string): void {
    const obj = this.svc.store.get(l.collection, l.key);
    const rt = this.registry.byStorageKey(l.collection);
    if (!obj || !rt) return;
    const next = cloneJson(obj);
    const fins = finalizersOf(next).filter((f) => f !== finalizer);
    if (fins.length > 0) next.metadata["finalizers"] = fins;
    else delete next.metadata["finalizers"];
    this.svc.commitUpdate(rt, l.key, this.svc.toVersion(rt, obj), next, this.ctx);
  }
}
