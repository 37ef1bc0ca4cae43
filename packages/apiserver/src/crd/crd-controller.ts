import { systemContext } from "../api/request-context.js";
import type { ResourceService } from "../api/resource-service.js";
import { KeyQueue } from "../controllers/work-queue.js";
import { ApiError } from "../errors.js";
import { logControllerError } from "../log.js";
import type { ResourceRegistry } from "../resources/registry.js";
import { objectKey } from "../store/object-store.js";
import { cloneJson, getPath, isObject, type JsonObject, jsonEqual } from "../util/json.js";
import { finalizersOf, type KubeObject, kubeTime } from "../util/meta.js";
import { crdResourceTypes, crdVersions } from "./crd-resource-types.js";
import type { CrdSchemas } from "./custom-resource-admission.js";

/** The collection holding CustomResourceDefinitions. */
export const CRD_COLLECTION = "apiextensions.k8s.io/customresourcedefinitions";
/** The finalizer kube-apiserver puts on a CRD being deleted until its objects are gone. */
export const CRD_CLEANUP_FINALIZER = "customresourcecleanup.apiextensions.k8s.io";

function condition(type: string, status: string, reason: string, message: string, previous: JsonObject[]): JsonObject {
  const old = previous.find((c) => c["type"] === type);
  const lastTransitionTime =
    old && old["status"] === status && typeof old["lastTransitionTime"] === "string"
      ? old["lastTransitionTime"]
      : kubeTime();
  return { type, status, lastTransitionTime, reason, message };
}

/**
 * Serves CustomResourceDefinitions: the moment a CRD is stored its versions are served (registry and schemas
 * updated inside the write), then its status gets accepted names, `NamesAccepted` and `Established`. A deleted
 * CRD is marked `Terminating`, its objects are deleted, and once they are gone the cleanup finalizer is removed
 * and its resources stop being served.
 */
export class CrdController {
  private readonly queue: KeyQueue;
  private unsubscribe: (() => void) | undefined;
  private readonly ctx = systemContext("kube-apiserver");
  private readonly waiters = new Set<() => void>();

  constructor(
    private readonly svc: ResourceService,
    private readonly registry: ResourceRegistry,
    private readonly schemas: CrdSchemas,
  ) {
    this.queue = new KeyQueue(
      (name) => this.sync(name),
      (name, err) => logControllerError("crd-controller", name, err),
    );
  }

  /** Serves every stored CRD and starts following changes. */
  start(): void {
    const store = this.svc.store;
    for (const [, crd] of store.collection(CRD_COLLECTION).items) {
      this.serve(crd);
      this.queue.add(String(crd.metadata["name"]));
    }
    this.unsubscribe = store.onEvent((collection, _key, e) => {
      if (collection !== CRD_COLLECTION) return;
      const name = String(e.object.metadata["name"]);
      if (e.type === "DELETED") {
        this.registry.removeOwned(name);
        this.schemas.delete(name);
        return;
      }
      this.serve(e.object);
      this.queue.add(name);
    });
  }

  /** Stops following changes. */
  stop(): void {
    this.unsubscribe?.();
    this.queue.stop();
    for (const off of this.waiters) off();
    this.waiters.clear();
  }

  private serve(crd: KubeObject): void {
    const name = String(crd.metadata["name"]);
    this.schemas.set(
      name,
      crdVersions(crd).map((v) => ({ name: v.name, schema: v.schema })),
    );
    this.registry.setOwned(name, crdResourceTypes(crd));
  }

  private crdType() {
    return this.registry.byStorageKey(CRD_COLLECTION)!;
  }

  private sync(name: string): void {
    const stored = this.svc.store.get(CRD_COLLECTION, objectKey("", name));
    if (!stored) return;
    const rt = this.crdType();
    const crd = this.svc.toVersion(rt, stored);
    if (typeof crd.metadata["deletionTimestamp"] === "string") {
      this.cleanup(crd);
      return;
    }
    const spec = isObject(crd["spec"]) ? crd["spec"] : {};
    const names = isObject(spec["names"]) ? spec["names"] : {};
    const prevStatus = isObject(crd["status"]) ? crd["status"] : {};
    const prev = Array.isArray(prevStatus["conditions"]) ? prevStatus["conditions"].filter(isObject) : [];
    const storage = crdVersions(crd).find((v) => v.storage)?.name;
    const stored0 = Array.isArray(prevStatus["storedVersions"]) ? prevStatus["storedVersions"].map(String) : [];
    const storedVersions = storage && !stored0.includes(storage) ? [...stored0, storage] : stored0;
    const acceptedNames: JsonObject = { ...names };
    const status: JsonObject = {
      acceptedNames,
      conditions: [
        condition("NamesAccepted", "True", "NoConflicts", "no conflicts found", prev),
        condition("Established", "True", "InitialNamesAccepted", "the initial names have been accepted", prev),
      ],
      storedVersions,
    };
    if (jsonEqual(status, prevStatus)) return;
    const next = cloneJson(crd);
    next["status"] = status;
    this.svc.commitUpdate(rt, objectKey("", name), crd, next, this.ctx, "status");
  }

  private cleanup(crd: KubeObject): void {
    const name = String(crd.metadata["name"]);
    if (!finalizersOf(crd).includes(CRD_CLEANUP_FINALIZER)) return;
    const rt = this.crdType();
    const prevStatus = isObject(crd["status"]) ? crd["status"] : {};
    const prev = Array.isArray(prevStatus["conditions"]) ? prevStatus["conditions"].filter(isObject) : [];
    if (!prev.some((c) => c["type"] === "Terminating" && c["status"] === "True")) {
      const next = cloneJson(crd);
      const conds = prev.filter((c) => c["type"] !== "Terminating");
      conds.push(
        condition("Terminating", "True", "InstanceDeletionInProgress", "CustomResource deletion is in progress", prev),
      );
      next["status"] = { ...prevStatus, conditions: conds };
      this.svc.commitUpdate(rt, objectKey("", name), crd, next, this.ctx, "status");
      this.queue.add(name);
      return;
    }
    const group = String(getPath(crd, ["spec", "group"]) ?? "");
    const plural = String(getPath(crd, ["spec", "names", "plural"]) ?? "");
    const collection = this.svc.store.collection(`${group}/${plural}`);
    const crRt = this.registry.byStorageKey(`${group}/${plural}`);
    let remaining = 0;
    for (const key of [...collection.keysSorted()]) {
      const obj = collection.items.get(key);
      if (!obj || !crRt) continue;
      remaining++;
      if (typeof obj.metadata["deletionTimestamp"] === "string") continue;
      try {
        const ns = typeof obj.metadata["namespace"] === "string" ? obj.metadata["namespace"] : "";
        const r = this.svc.delete(crRt, ns, String(obj.metadata["name"]), {}, this.ctx);
        if (r.deleted) remaining--;
      } catch (err: unknown) {
        if (err instanceof ApiError && err.code === 404) remaining--;
        else throw err;
      }
    }
    if (remaining > 0) {
      // Objects with finalizers: retry when they change.
      const off = this.svc.store.onEvent((c) => {
        if (c === `${group}/${plural}`) {
          off();
          this.waiters.delete(off);
          this.queue.add(name);
        }
      });
      this.waiters.add(off);
      return;
    }
    const current = this.svc.toVersion(rt, this.svc.store.get(CRD_COLLECTION, objectKey("", name))!);
    const next = cloneJson(current);
    const fins = finalizersOf(next).filter((f) => f !== CRD_CLEANUP_FINALIZER);
    if (fins.length > 0) next.metadata["finalizers"] = fins;
    else delete next.metadata["finalizers"];
    this.svc.commitUpdate(rt, objectKey("", name), current, next, this.ctx);
    this.svc.store.dropCollection(`${group}/${plural}`);
  }
}
