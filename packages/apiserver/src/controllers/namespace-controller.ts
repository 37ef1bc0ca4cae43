import { systemContext } from "../api/request-context.js";
import type { ResourceService } from "../api/resource-service.js";
import { ApiError } from "../errors.js";
import { logControllerError } from "../log.js";
import type { ResourceRegistry } from "../resources/registry.js";
import { objectKey } from "../store/object-store.js";
import { cloneJson, isObject } from "../util/json.js";
import type { KubeObject } from "../util/meta.js";
import { KeyQueue } from "./work-queue.js";

const NAMESPACES = "/namespaces";

/**
 * Namespace lifecycle: when a namespace is being deleted, deletes every namespaced object in it, reports what
 * remains in the namespace's status conditions, and once it is empty removes the `kubernetes` finalizer from
 * `spec.finalizers` so the namespace itself goes away.
 */
export class NamespaceController {
  private readonly queue: KeyQueue;
  private unsubscribe: (() => void) | undefined;
  private readonly ctx = systemContext("namespace-controller");

  constructor(
    private readonly svc: ResourceService,
    private readonly registry: ResourceRegistry,
  ) {
    this.queue = new KeyQueue(
      (name) => this.sync(name),
      (name, err) => logControllerError("namespace-controller", name, err),
    );
  }

  /** Starts watching namespaces and their contents. */
  start(): void {
    const store = this.svc.store;
    this.unsubscribe = store.onEvent((collection, _key, e) => {
      if (collection === NAMESPACES) {
        if (typeof e.object.metadata["deletionTimestamp"] === "string")
          this.queue.add(String(e.object.metadata["name"]));
        return;
      }
      if (e.type === "DELETED" || typeof e.object.metadata["deletionTimestamp"] === "string") {
        const ns = e.object.metadata["namespace"];
        if (typeof ns === "string" && ns !== "") {
          const nsObj = store.get(NAMESPACES, objectKey("", ns));
          if (nsObj && typeof nsObj.metadata["deletionTimestamp"] === "string") this.queue.add(ns);
        }
      }
    });
    for (const [, ns] of store.collection(NAMESPACES).items) {
      if (typeof ns.metadata["deletionTimestamp"] === "string") this.queue.add(String(ns.metadata["name"]));
    }
  }

  /** Stops the controller. */
  stop(): void {
    this.unsubscribe?.();
    this.queue.stop();
  }

  private sync(name: string): void {
    const store = this.svc.store;
    const nsObj = store.get(NAMESPACES, objectKey("", name));
    if (!nsObj || typeof nsObj.metadata["deletionTimestamp"] !== "string") return;
    let remaining = 0;
    const remainingFinalizers = new Set<string>();
    for (const ck of store.collectionKeys()) {
      const rt = this.registry.byStorageKey(ck);
      if (!rt?.namespaced) continue;
      const c = store.collection(ck);
      const prefix = `${name}/`;
      for (const key of [...c.keysSorted()]) {
        if (!key.startsWith(prefix)) continue;
        const obj = c.items.get(key);
        if (!obj) continue;
        remaining++;
        for (const f of (obj.metadata["finalizers"] as string[] | undefined) ?? []) remainingFinalizers.add(f);
        if (typeof obj.metadata["deletionTimestamp"] === "string") continue;
        try {
          const r = this.svc.delete(
            rt,
            name,
            String(obj.metadata["name"]),
            { propagationPolicy: "Background" },
            this.ctx,
          );
          if (r.deleted) remaining--;
        } catch (err: unknown) {
          if (!(err instanceof ApiError && err.code === 404)) throw err;
          remaining--;
        }
      }
    }
    const nsRt = this.registry.byStorageKey(NAMESPACES)!;
    const current = this.svc.toVersion(nsRt, store.get(NAMESPACES, objectKey("", name))!);
    if (remaining > 0) {
      this.setConditions(current, remaining, [...remainingFinalizers]);
      return;
    }
    const next = cloneJson(current);
    const spec = isObject(next["spec"]) ? next["spec"] : {};
    const fins = Array.isArray(spec["finalizers"]) ? spec["finalizers"].filter((f) => f !== "kubernetes") : [];
    next["spec"] = { ...spec, finalizers: fins };
    this.svc.commitUpdate(nsRt, objectKey("", name), current, next, this.ctx, "finalize");
  }

  private setConditions(ns: KubeObject, remaining: number, finalizers: string[]): void {
    const nsRt = this.registry.byStorageKey(NAMESPACES)!;
    const now = new Date().toISOString().replace(/\.\d{3}Z$/, "Z");
    const conditions = [
      {
        type: "NamespaceContentRemaining",
        status: "True",
        lastTransitionTime: now,
        reason: "SomeResourcesRemain",
        message: `Some resources are remaining: ${remaining} objects remain`,
      },
      {
        type: "NamespaceFinalizersRemaining",
        status: finalizers.length > 0 ? "True" : "False",
        lastTransitionTime: now,
        reason: finalizers.length > 0 ? "SomeFinalizersRemain" : "ContentHasNoFinalizers",
        message:
          finalizers.length > 0
            ? `Some content in the namespace has finalizers remaining: ${finalizers.join(", ")}`
            : "All content-preserving finalizers finished",
      },
    ];
    const status = isObject(ns["status"]) ? ns["status"] : {};
    const old = JSON.stringify(
      (status["conditions"] as unknown[] | undefined)?.map((c) => ({ ...(c as object), lastTransitionTime: "" })),
    );
    const neu = JSON.stringify(conditions.map((c) => ({ ...c, lastTransitionTime: "" })));
    if (old === neu) return;
    const next = cloneJson(ns);
    next["status"] = { ...status, conditions };
    this.svc.commitUpdate(nsRt, objectKey("", String(ns.metadata["name"])), ns, next, this.ctx, "status");
  }
}
