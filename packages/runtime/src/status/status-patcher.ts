import type { Condition } from "@sluice/api";
import { isConflict, isNotFound } from "../kube/api-error.js";
import type { KubeClient } from "../kube/kube-client.js";
import { type ApiObject, type ObjectRef, refOf } from "../kube/object-ref.js";
import { mergeConditions } from "./condition-merge.js";
import { createMergePatch, isEmptyPatch, jsonEqual } from "./merge-patch.js";

/** An object the patcher can write: metadata plus an open-ended status. */
export type PatchableObject = ApiObject & { status?: object | undefined };

/** Options of {@link StatusPatcher}. */
export interface StatusPatcherOptions {
  /** Field manager recorded for the writes (the controller name). */
  fieldManager?: string;
  /** Condition types this controller owns: on a conflict, our version of them always wins. */
  ownedConditions?: readonly string[];
  /** Attempts per write before a conflict is given up as an ApiError (default 5). */
  maxAttempts?: number;
  /**
   * Called with the object as the API server returned it after each successful write, so a cache can read
   * its own writes (the reconcile skeleton passes the controller's informer here).
   */
  onWrite?: ((written: PatchableObject) => void) | undefined;
}

/** Options of one {@link StatusPatcher.patch} call. */
export interface PatchCallOptions {
  /** Set `status.observedGeneration` to `metadata.generation` first. */
  observedGeneration?: boolean;
  /** Treat a vanished object as success (set automatically when the object is being deleted). */
  ignoreNotFound?: boolean;
}

type StatusRecord = Record<string, unknown> & { conditions?: Condition[] };

function statusOf(obj: PatchableObject): StatusRecord {
  return (obj.status ?? {}) as StatusRecord;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Writes what a reconcile changed, and only that (fluxcd/pkg runtime/patch SerialPatcher): it remembers the
 * object as last written, sends finalizer changes as a JSON merge patch of `metadata.finalizers` to the main
 * resource, and status changes as a JSON merge patch to the `status` subresource. Writes that replace a
 * list (finalizers, conditions) carry the resourceVersion; on 409 Conflict the patcher re-reads the object,
 * re-applies our changes over the server's state (others' finalizers and conditions survive, owned
 * conditions are ours) and retries.
 */
export class StatusPatcher<T extends PatchableObject> {
  private base: T;
  private readonly ref: ObjectRef;
  private readonly owned: readonly string[];
  private readonly maxAttempts: number;

  constructor(
    private readonly client: KubeClient,
    obj: T,
    private readonly options: StatusPatcherOptions = {},
  ) {
    this.base = structuredClone(obj);
    this.ref = refOf(obj);
    this.owned = options.ownedConditions ?? [];
    this.maxAttempts = options.maxAttempts ?? 5;
  }

  /** The status merge patch `patch(obj)` would send now (undefined when status is unchanged). */
  statusPatch(obj: T): Record<string, unknown> | undefined {
    const patch = createMergePatch(statusOf(this.base), statusOf(obj));
    return isEmptyPatch(patch) ? undefined : (patch as Record<string, unknown>);
  }

  /** The finalizer list `patch(obj)` would write (undefined when unchanged). */
  finalizersPatch(obj: T): string[] | undefined {
    const before = this.base.metadata.finalizers ?? [];
    const after = obj.metadata.finalizers ?? [];
    return jsonEqual(before, after) ? undefined : [...after];
  }

  /**
   * Sends the finalizer and status changes made to `obj` since the last patch, then remembers `obj` as
   * written. Updates `obj.metadata.resourceVersion` (and, after a conflict, its finalizers and conditions
   * to the merged result). Throws {@link ApiError} when the API refuses.
   */
  async patch(obj: T, options: PatchCallOptions = {}): Promise<void> {
    if (options.observedGeneration && obj.metadata.generation !== undefined) {
      const status = (obj.status ?? {}) as Record<string, unknown>;
      status["observedGeneration"] = obj.metadata.generation;
      obj.status = status;
    }
    const ignoreNotFound = options.ignoreNotFound ?? Boolean(obj.metadata.deletionTimestamp);
    try {
      if (this.finalizersPatch(obj)) await this.writeFinalizers(obj);
      if (this.statusPatch(obj)) await this.writeStatus(obj);
    } catch (err: unknown) {
      if (!(ignoreNotFound && isNotFound(err))) throw err;
    }
    this.base = structuredClone(obj);
  }

  private async writeFinalizers(obj: T): Promise<void> {
    const before = this.base.metadata.finalizers ?? [];
    const after = obj.metadata.finalizers ?? [];
    const added = after.filter((f) => !before.includes(f));
    const removed = before.filter((f) => !after.includes(f));
    let desired = [...after];
    let resourceVersion = obj.metadata.resourceVersion;
    for (let attempt = 1; ; attempt++) {
      try {
        const written = await this.client.patch(
          this.ref,
          { metadata: { finalizers: desired, ...(resourceVersion ? { resourceVersion } : {}) } },
          { type: "application/merge-patch+json", ...this.fieldManager() },
        );
        obj.metadata.finalizers = written.metadata.finalizers ?? [];
        if (written.metadata.resourceVersion) obj.metadata.resourceVersion = written.metadata.resourceVersion;
        this.options.onWrite?.(written);
        return;
      } catch (err: unknown) {
        if (!isConflict(err) || attempt >= this.maxAttempts) throw err;
      }
      await sleep(10 * attempt);
      const fresh = await this.client.get(this.ref);
      const current = fresh.metadata.finalizers ?? [];
      desired = [...current.filter((f) => !removed.includes(f)), ...added.filter((f) => !current.includes(f))];
      resourceVersion = fresh.metadata.resourceVersion;
    }
  }

  private async writeStatus(obj: T): Promise<void> {
    const baseStatus = statusOf(this.base);
    const ourStatus = statusOf(obj);
    const { conditions: _baseConditions, ...baseRest } = baseStatus;
    const { conditions: ourConditions, ...ourRest } = ourStatus;
    const restPatch = createMergePatch(baseRest, ourRest) as Record<string, unknown>;
    let conditions: Condition[] | undefined = jsonEqual(baseStatus.conditions ?? [], ourConditions ?? [])
      ? undefined
      : (ourConditions ?? []);
    let resourceVersion = obj.metadata.resourceVersion;
    for (let attempt = 1; ; attempt++) {
      const statusBody: Record<string, unknown> = { ...restPatch };
      if (conditions) statusBody["conditions"] = conditions;
      // Conditions replace the whole list, so that write is guarded by the resourceVersion.
      const body: Record<string, unknown> = { status: statusBody };
      if (conditions && resourceVersion) body["metadata"] = { resourceVersion };
      try {
        const written = await this.client.patchStatus(this.ref, body, this.fieldManager());
        if (written.metadata.resourceVersion) obj.metadata.resourceVersion = written.metadata.resourceVersion;
        this.options.onWrite?.(written as PatchableObject);
        return;
      } catch (err: unknown) {
        if (!isConflict(err) || attempt >= this.maxAttempts) throw err;
      }
      await sleep(10 * attempt);
      const fresh = await this.client.get<PatchableObject>(this.ref);
      const theirs = statusOf(fresh).conditions ?? [];
      const merged = mergeConditions(baseStatus.conditions ?? [], ourConditions ?? [], theirs, this.owned);
      conditions = jsonEqual(merged, theirs) ? undefined : merged;
      (obj.status as StatusRecord).conditions = merged;
      resourceVersion = fresh.metadata.resourceVersion;
    }
  }

  private fieldManager(): { fieldManager?: string } {
    return this.options.fieldManager ? { fieldManager: this.options.fieldManager } : {};
  }
}
