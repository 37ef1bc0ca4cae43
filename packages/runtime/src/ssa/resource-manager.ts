import { setTimeout as sleep } from "node:timers/promises";
import PQueue from "p-queue";
import { ApiError, isNotFound } from "../kube/api-error.js";
import { type KubeClient, PatchType } from "../kube/kube-client.js";
import { type ObjectRef, parseApiVersion, type UnstructuredObject } from "../kube/object-ref.js";
import { Action, type ActionName, ChangeSet, type ChangeSetEntry } from "./changeset.js";
import {
  adjustDesired,
  type CompiledIgnoreRule,
  compileIgnoreRules,
  driftAdjustments,
  type IgnoreRule,
  ignoredPaths,
  withoutPaths,
} from "./drift-ignore.js";
import { ApplyError, ApplySetError, DryRunError, isImmutableError, WaitError } from "./errors.js";
import { type CleanupOptions, cleanupPatch, type JsonPatchOp } from "./field-cleanup.js";
import { computeStatus, ObjectStatus, type ObjectStatusName } from "./kstatus.js";
import { type LiveReads, liveKey, prefetchLive } from "./live-prefetch.js";
import { hasDrifted, maskSecretData, normalizeDesired } from "./normalize.js";
import { formatObjectId, type ObjMetadata, objMetadataOf, refFor, subjectOf } from "./object-id.js";
import { anyInMetadata, objectPolicy, type PolicyKeys, policyKeys, pruneDisabled } from "./policy.js";
import { isCrd, sortObjects, stageObjects } from "./staging.js";
import { applyInputHash, type VerifiedStates, verifiedStates } from "./verified-states.js";
import { writtenVersions } from "./written-versions.js";

/** Who applies: the SSA field manager (`kustomize-controller`) and the API group of the owner labels and policy annotations. */
export interface Owner {
  field: string;
  group: string;
}

/** Construction settings of a {@link ResourceManager}. */
export interface ResourceManagerOptions {
  client: KubeClient;
  owner: Owner;
  /** Objects read and dry-run at once (`--concurrent-ssa`, default 4), independent of reconcile workers. */
  concurrency?: number;
  /**
   * Live states known to need no apply, which skip the dry-run (default: shared by the process; see
   * {@link VerifiedStates}); `false` dry-runs every object.
   */
  verifiedStates?: VerifiedStates | false;
}

/** Settings of an apply. */
export interface ApplyOptions {
  /** Recreate objects whose update hits an immutable field (`spec.force`); per object: `<group>/force: Enabled`. */
  force?: boolean;
  /** Managed fields, annotations and labels to take over from other managers; `false` disables the cleanup. */
  cleanup?: CleanupOptions | false;
  /** Honour the per-object `<group>/ssa`, `/force` and `/reconcile` annotations (default true). */
  policyAnnotations?: boolean;
  /** `group/Kind` keys applied in a stage of their own after `*Class` kinds (`--custom-apply-stage-kinds`). */
  customStageKinds?: Iterable<string>;
  /** Poll interval while waiting for a stage or a recreated object, ms (default 2 s). */
  waitInterval?: number;
  /** How long to wait for a stage to become ready or a recreated object to go, ms (default 60 s). */
  waitTimeout?: number;
  /**
   * Fields whose differences from the cluster are not drift and are not reverted (Kustomization
   * `spec.ignore`). Invalid pointers, regexes or selectors throw a SyntaxError before anything is read.
   */
  driftIgnoreRules?: IgnoreRule[];
  /**
   * Objects expected not to exist yet (e.g. not in the owner's last inventory): these are dry-run before they
   * are read, and read only when the dry-run shows they exist (its result carries a resourceVersion, which a
   * dry-run create never has) or fails, and then planned as any other. A set that creates its objects so
   * sends one request fewer per object; every decision is still made on the live object and the dry-run.
   */
  expectAbsent?: (object: UnstructuredObject) => boolean;
}

/** Apply options with the ignore rules compiled once per call. */
interface PlanContext extends ApplyOptions {
  rules: CompiledIgnoreRule[];
}

/** Settings of {@link ResourceManager.waitForSet}. */
export interface WaitOptions {
  /** Poll interval in ms (default 2 s). */
  interval?: number;
  /** Give up after this many ms (default 60 s). */
  timeout?: number;
  /** Stop as soon as one object has Failed. */
  failFast?: boolean;
  /** Ids whose absence counts as ready (Jobs with `ttlSecondsAfterFinished`, see {@link jobsWithTtl}). */
  allowNotFound?: ReadonlySet<string>;
  signal?: AbortSignal;
}

/** Settings of {@link ResourceManager.delete}. */
export interface DeleteOptions {
  /** Default `Background`, as Flux prunes. */
  propagationPolicy?: "Background" | "Foreground" | "Orphan";
  /** Only delete live objects carrying all these labels (the owner labels, see {@link ResourceManager.ownerLabels}). */
  inclusions?: Record<string, string>;
  /** Never delete live objects with any of these labels/annotations (default: prune/reconcile disabled, ssa Ignore). */
  exclusions?: Record<string, string>;
}

/** An object to delete: a full object or just its reference. */
export type DeleteTarget = UnstructuredObject | ObjectRef;

/** What {@link ResourceManager.diff} found for one object. */
export interface DiffResult {
  entry: ChangeSetEntry;
  /** The live object (managedFields removed, Secret data masked) when it would be configured. */
  live?: UnstructuredObject;
  /** The object as it would be after apply, likewise. */
  merged?: UnstructuredObject;
}

/** Errors from a multi-object operation carry the change set of what was done before the failure. */
export type WithChangeSet<E extends Error> = E & { changeSet?: ChangeSet };

interface Plan {
  desired: UnstructuredObject;
  meta: ObjMetadata;
  version: string;
  subject: string;
  live: UnstructuredObject | undefined;
  dryRun: UnstructuredObject | undefined;
  action: ActionName;
  recreate: boolean;
  cleanup: JsonPatchOp[];
  /** Set when the write applies the input as planned: the result is then remembered as verified. */
  inputHash?: string;
}

const defaultWaitInterval = 2_000;
const defaultWaitTimeout = 60_000;

/**
 * Applies, diffs, deletes and waits for sets of objects with server-side apply, the way Flux's
 * `fluxcd/pkg/ssa` ResourceManager does. Every object is dry-run applied first and compared with the live
 * object, so unchanged objects are not written and drift is corrected; a failed dry-run aborts the set
 * before anything is written. The dry-run is skipped only for a live state (same uid and resourceVersion)
 * that this field manager applied, or found unchanged by a dry-run, with the same input (see
 * {@link VerifiedStates}). Live objects are read with one LIST per kind and namespace where that saves
 * requests; reads, dry-runs and the writes of one stage run `concurrency` at a time, stages in apply order.
 */
export class ResourceManager {
  readonly #client: KubeClient;
  readonly #owner: Owner;
  readonly #keys: PolicyKeys;
  readonly #queue: PQueue;
  readonly #verified: VerifiedStates | undefined;

  constructor(options: ResourceManagerOptions) {
    this.#verified = options.verifiedStates === false ? undefined : (options.verifiedStates ?? verifiedStates);
    this.#client = options.client;
    this.#owner = options.owner;
    this.#keys = policyKeys(options.owner.group);
    this.#queue = new PQueue({ concurrency: Math.max(1, options.concurrency ?? 4) });
  }

  /** The owner labels `<group>/name` and `<group>/namespace` that mark objects applied for one owner object. */
  ownerLabels(name: string, namespace: string): Record<string, string> {
    return { [`${this.#owner.group}/name`]: name, [`${this.#owner.group}/namespace`]: namespace };
  }

  /** Adds the owner labels to each object, in place. */
  setOwnerLabels(objects: UnstructuredObject[], name: string, namespace: string): void {
    const labels = this.ownerLabels(name, namespace);
    for (const obj of objects) obj.metadata.labels = { ...obj.metadata.labels, ...labels };
  }

  /** Applies one object (see {@link applyAll}) and returns its change-set entry. */
  async apply(object: UnstructuredObject, options: ApplyOptions = {}): Promise<ChangeSetEntry> {
    const cs = await this.applyAll([object], options);
    return cs.entries[0]!;
  }

  /**
   * Applies objects in apply order: every object is read and dry-run applied (concurrently) before
   * anything is written; if any dry-run fails, the set is aborted with a {@link DryRunError} (or an
   * {@link ApplySetError} listing each failure). Then changed objects are written, `concurrency` at a time
   * (recreated first when forced past an immutable field; other managers' fields taken over first).
   */
  async applyAll(objects: readonly UnstructuredObject[], applyOptions: ApplyOptions = {}): Promise<ChangeSet> {
    const options = planContext(applyOptions);
    const plans = await this.#planAll(sortObjects(objects), options);
    const changeSet = new ChangeSet();
    await this.#executeAll(plans, options, changeSet);
    return changeSet;
  }

  /**
   * Applies objects in stages (Flux `ApplyAllStaged`): ① CRDs, Namespaces, ClusterRoles, then waits until
   * they are ready (CRDs Established); ② `*Class` kinds, then waits; ③ custom stage kinds; ④ the rest.
   * Before the first stage writes anything, every later object is dry-run too: an invalid object, an unknown
   * kind or a missing namespace anywhere aborts the whole set before any write, unless the set itself
   * provides what is missing (a CRD of the set defines the kind, a Namespace of the set the namespace);
   * those objects are checked again in their stage. A thrown error carries `changeSet` with what was done.
   */
  async applyAllStaged(objects: readonly UnstructuredObject[], applyOptions: ApplyOptions = {}): Promise<ChangeSet> {
    const options = planContext(applyOptions);
    assertUnique(objects);
    const stages = stageObjects(objects, new Set(options.customStageKinds ?? []));
    const later = [...stages.classes, ...stages.custom, ...stages.resources];
    const redefined = new Set(
      stages.definitions.filter(isCrd).map((crd) => {
        const spec = (crd["spec"] ?? {}) as { group?: string; names?: { kind?: string } };
        return `${spec.group ?? ""}/${spec.names?.kind ?? ""}`;
      }),
    );

    const createdNamespaces = new Set(
      stages.definitions
        .filter((o) => o.kind === "Namespace" && o.apiVersion === "v1")
        .map((o) => o.metadata.name ?? ""),
    );
    const reads = await prefetchLive(this.#client, objects, (task) => this.#limit(task));
    const [definitionPlans, preflight] = await Promise.all([
      this.#planAll(stages.definitions, options, reads),
      Promise.all(later.map((obj) => this.#limit(() => this.#settle(this.#plan(obj, options, reads))))),
    ]);
    const preflightPlans = new Map<UnstructuredObject, Plan>();
    const definitive: ApplyError[] = [];
    later.forEach((obj, i) => {
      const outcome = preflight[i]!;
      if ("plan" in outcome) preflightPlans.set(obj, outcome.plan);
      else if (isDefinitive(outcome.error, obj, redefined, createdNamespaces)) definitive.push(outcome.error);
    });
    if (definitive.length > 0) throw withChangeSet(setError(definitive), new ChangeSet());

    const changeSet = new ChangeSet();
    let wrote = false;
    const run = async (stage: UnstructuredObject[], plans: Plan[] | undefined, wait: boolean): Promise<void> => {
      if (stage.length === 0) return;
      const reusable = !wrote && stage.every((obj) => preflightPlans.has(obj));
      const stagePlans =
        plans ?? (reusable ? stage.map((obj) => preflightPlans.get(obj)!) : await this.#planAll(stage, options));
      const stageSet = new ChangeSet();
      await this.#executeAll(stagePlans, options, stageSet, changeSet);
      if (stageSet.entries.some((e) => e.action === Action.Created || e.action === Action.Configured)) wrote = true;
      if (wait) {
        await this.waitForSet(
          stageSet.entries.filter((e) => e.action !== Action.Skipped).map((e) => refFor(e.objMetadata, e.version)),
          {
            interval: options.waitInterval ?? defaultWaitInterval,
            timeout: options.waitTimeout ?? defaultWaitTimeout,
          },
        );
      }
    };
    try {
      await run(stages.definitions, definitionPlans, true);
      await run(stages.classes, undefined, true);
      await run(stages.custom, undefined, false);
      await run(stages.resources, undefined, false);
    } catch (err: unknown) {
      const error = (err instanceof Error ? err : new Error(String(err))) as WithChangeSet<Error>;
      error.changeSet = changeSet;
      throw error;
    }
    return changeSet;
  }

  /**
   * Compares one object with the cluster without writing (for drift reports): the change-set entry it would
   * produce and, when it would be configured, the live and merged objects with managedFields dropped and
   * Secret values masked.
   */
  async diff(object: UnstructuredObject, applyOptions: ApplyOptions = {}): Promise<DiffResult> {
    const options = planContext(applyOptions);
    const plan = await this.#plan(object, options);
    const entry = entryFor(plan);
    if (plan.action !== Action.Configured || !plan.live || !plan.dryRun) return { entry };
    const paths = ignoredPaths(options.rules, plan.dryRun);
    const live = withoutPaths(plan.live, paths);
    const merged = withoutPaths(plan.dryRun, paths);
    delete live.metadata.managedFields;
    delete merged.metadata.managedFields;
    if (plan.meta.kind === "Secret" && plan.meta.group === "") maskSecretData(live, merged);
    return { entry, live, merged };
  }

  /**
   * Deletes objects in reverse apply order. A live object is skipped unless it carries every `inclusions`
   * label, and skipped when it matches `exclusions` (by default `<group>/prune: disabled`,
   * `<group>/reconcile: disabled`, `<group>/ssa: Ignore`). Objects already gone count as deleted. Failures
   * do not stop the others; they are thrown together afterwards, with `changeSet` attached.
   */
  async delete(targets: readonly DeleteTarget[], options: DeleteOptions = {}): Promise<ChangeSet> {
    const objects = sortObjects(targets.map(toTarget)).reverse();
    const changeSet = new ChangeSet();
    const errors: ApplyError[] = [];
    for (const target of objects) {
      const meta = objMetadataOf(target);
      const version = parseApiVersion(target.apiVersion).version;
      const entry = (action: ActionName): ChangeSetEntry => makeEntry(meta, version, action);
      const ref = refFor(meta, version);
      let live: UnstructuredObject | undefined;
      try {
        live = await this.#client.getOptional<UnstructuredObject>(ref);
      } catch (err: unknown) {
        changeSet.add(entry(Action.Unknown));
        errors.push(
          new ApplyError(subjectOf(target), `${subjectOf(target)} query failed: ${message(err)}`, { cause: err }),
        );
        continue;
      }
      if (!live) {
        changeSet.add(entry(Action.Deleted));
        continue;
      }
      const labels = live.metadata.labels ?? {};
      const included = Object.entries(options.inclusions ?? {}).every(([k, v]) => labels[k] === v);
      const excluded = options.exclusions ? anyInMetadata(live, options.exclusions) : pruneDisabled(this.#keys, live);
      if (!included || excluded) {
        changeSet.add(entry(Action.Skipped));
        continue;
      }
      try {
        await this.#client.delete(ref, { propagationPolicy: options.propagationPolicy ?? "Background" });
        changeSet.add(entry(Action.Deleted));
      } catch (err: unknown) {
        if (isNotFound(err)) {
          changeSet.add(entry(Action.Deleted));
          continue;
        }
        changeSet.add(entry(Action.Unknown));
        errors.push(
          new ApplyError(subjectOf(target), `${subjectOf(target)} delete failed: ${message(err)}`, { cause: err }),
        );
      }
    }
    if (errors.length > 0) throw withChangeSet(setError(errors), changeSet);
    return changeSet;
  }

  /**
   * Polls objects until all are Current by the kstatus rules (see `computeStatus`). Throws a
   * {@link WaitError} when the timeout passes (`timeout waiting for: [...]`), when every object has settled
   * and some Failed, or at the first failure with `failFast`; each problem names the object, its status
   * and the status message.
   */
  async waitForSet(refs: readonly ObjectRef[], options: WaitOptions = {}): Promise<void> {
    if (refs.length === 0) return;
    const interval = options.interval ?? defaultWaitInterval;
    const deadline = Date.now() + (options.timeout ?? defaultWaitTimeout);
    const allowNotFound = options.allowNotFound ?? new Set<string>();
    for (;;) {
      const results = await Promise.all(refs.map((ref) => this.#limit(() => this.#status(ref))));
      const effective = results.map((r) =>
        r.status === ObjectStatus.NotFound && allowNotFound.has(r.id) ? { ...r, status: ObjectStatus.Current } : r,
      );
      if (effective.every((r) => r.status === ObjectStatus.Current)) return;
      const failedOnes = effective.filter((r) => r.status === ObjectStatus.Failed);
      const settled = effective.every((r) => r.status === ObjectStatus.Current || r.status === ObjectStatus.Failed);
      if (failedOnes.length > 0 && (options.failFast || settled)) {
        throw waitError("failed early due to stalled resources", failedOnes);
      }
      if (Date.now() + interval > deadline) {
        throw waitError(
          "timeout waiting for",
          effective.filter((r) => r.status !== ObjectStatus.Current),
        );
      }
      await sleep(interval, undefined, options.signal ? { signal: options.signal } : undefined);
    }
  }

  /** Polls until every object is gone (after a delete), or throws when `timeout` passes. */
  async waitForTermination(refs: readonly ObjectRef[], options: Omit<WaitOptions, "failFast"> = {}): Promise<void> {
    const interval = options.interval ?? defaultWaitInterval;
    const deadline = Date.now() + (options.timeout ?? defaultWaitTimeout);
    for (const ref of refs) {
      while ((await this.#client.getOptional(ref)) !== undefined) {
        if (Date.now() + interval > deadline) {
          throw new WaitError(`${subjectOf(asObject(ref))} termination timeout`, [
            { subject: subjectOf(asObject(ref)), status: ObjectStatus.Terminating, message: "still present" },
          ]);
        }
        await sleep(interval, undefined, options.signal ? { signal: options.signal } : undefined);
      }
    }
  }

  /** Runs `task` within the manager's concurrency bound. */
  #limit<T>(task: () => Promise<T>): Promise<T> {
    return this.#queue.add(task, { throwOnTimeout: true });
  }

  async #status(ref: ObjectRef): Promise<{ id: string; subject: string; status: ObjectStatusName; message: string }> {
    const obj = asObject(ref);
    const id = formatObjectId(objMetadataOf(obj));
    const subject = subjectOf(obj);
    try {
      const live = await this.#client.getOptional<UnstructuredObject>(ref);
      if (!live) return { id, subject, status: ObjectStatus.NotFound, message: "object not found" };
      return { id, subject, ...computeStatus(live) };
    } catch (err: unknown) {
      return { id, subject, status: ObjectStatus.Unknown, message: message(err) };
    }
  }

  /** Reads (see {@link prefetchLive}, unless `reads` are given) and dry-runs every object; throws all failures. */
  async #planAll(objects: readonly UnstructuredObject[], options: PlanContext, reads?: LiveReads): Promise<Plan[]> {
    assertUnique(objects);
    const live = reads ?? (await prefetchLive(this.#client, objects, (task) => this.#limit(task)));
    const outcomes = await Promise.all(
      objects.map((obj) => this.#limit(() => this.#settle(this.#plan(obj, options, live)))),
    );
    const errors = outcomes.flatMap((o) => ("error" in o ? [o.error] : []));
    if (errors.length > 0) throw withChangeSet(setError(errors), new ChangeSet());
    return outcomes.map((o) => (o as { plan: Plan }).plan);
  }

  async #settle(promise: Promise<Plan>): Promise<{ plan: Plan } | { error: ApplyError }> {
    try {
      return { plan: await promise };
    } catch (err: unknown) {
      return { error: err instanceof ApplyError ? err : new ApplyError("", message(err), { cause: err }) };
    }
  }

  async #plan(input: UnstructuredObject, options: PlanContext, reads?: LiveReads): Promise<Plan> {
    const label = describeInput(input);
    if (!input.apiVersion || !input.kind || !input.metadata?.name) {
      throw new DryRunError(
        label,
        undefined,
        `${label} is not a Kubernetes object: apiVersion, kind and metadata.name are required`,
        "NotAnObject",
      );
    }
    const desired = normalizeDesired(input);
    let namespaced: boolean;
    try {
      namespaced = (await this.#client.resourceFor(desired.apiVersion, desired.kind)).namespaced;
    } catch (err: unknown) {
      if (isNotFound(err)) {
        throw new DryRunError(
          label,
          err,
          `${label} dry-run failed: no matches for kind "${desired.kind}" in version "${desired.apiVersion}"`,
          "UnknownKind",
        );
      }
      throw new ApplyError(label, `${label} discovery failed: ${message(err)}`, { cause: err });
    }
    if (namespaced && !desired.metadata.namespace) {
      throw new DryRunError(
        label,
        undefined,
        `${label} namespace not specified: the ${desired.kind} kind is namespaced`,
        "NamespaceNotSpecified",
      );
    }
    if (!namespaced && desired.metadata.namespace) {
      const { namespace: _ignored, ...metadata } = desired.metadata;
      desired.metadata = metadata;
    }
    const meta = objMetadataOf(desired);
    const version = parseApiVersion(desired.apiVersion).version;
    const subject = subjectOf(desired);
    const ref = refFor(meta, version);
    const base = { desired, meta, version, subject, dryRun: undefined, recreate: false, cleanup: [] };

    const read = reads?.get(liveKey(desired.apiVersion, desired.kind, meta.namespace || undefined, meta.name));
    if (read === undefined && options.expectAbsent?.(input)) {
      const created = await this.#createPlan(desired, options, base);
      if (created) return created;
    }
    let live: UnstructuredObject | undefined;
    try {
      live = read === undefined ? await this.#client.getOptional<UnstructuredObject>(ref) : (read ?? undefined);
    } catch (err: unknown) {
      throw new ApplyError(subject, `${subject} query failed: ${message(err)}`, { cause: err });
    }
    const policy =
      options.policyAnnotations === false
        ? { skip: false, ifNotPresent: false, merge: false, force: false }
        : objectPolicy(this.#keys, desired, live);
    if (policy.skip || (policy.ifNotPresent && live)) return { ...base, live, action: Action.Skipped };
    const cleanup =
      live && !policy.merge && options.cleanup !== false
        ? cleanupPatch(live, this.#owner.field, options.cleanup ?? {})
        : [];
    const inputHash = this.#verified ? applyInputHash(desired, options.driftIgnoreRules) : undefined;
    if (live && inputHash && cleanup.length === 0 && this.#verified?.matches(this.#owner.field, live, inputHash)) {
      return { ...base, live, action: Action.Unchanged };
    }

    let dryRun: UnstructuredObject;
    try {
      dryRun = await this.#client.apply<UnstructuredObject>(desired, {
        fieldManager: this.#owner.field,
        force: true,
        dryRun: true,
      });
    } catch (err: unknown) {
      if (live && (options.force || policy.force) && isImmutableError(err)) {
        return { ...base, live, action: Action.Created, recreate: true };
      }
      throw new DryRunError(subject, err);
    }
    if (!live) return { ...base, live, dryRun, cleanup, action: Action.Created, ...(inputHash ? { inputHash } : {}) };
    const paths = ignoredPaths(options.rules, dryRun);
    const drifted =
      paths.length > 0 ? hasDrifted(withoutPaths(live, paths), withoutPaths(dryRun, paths)) : hasDrifted(live, dryRun);
    if (cleanup.length === 0 && !drifted) {
      if (inputHash) this.#verified?.remember(this.#owner.field, live, inputHash);
      return { ...base, live, dryRun, cleanup, action: Action.Unchanged };
    }
    // Ignored fields that differ keep their live value (or are left to the applier that owns them).
    const applied =
      paths.length > 0 ? adjustDesired(desired, driftAdjustments(live, dryRun, paths, this.#owner.field)) : desired;
    const verifiable = inputHash && applied === desired ? { inputHash } : {};
    return { ...base, desired: applied, live, dryRun, cleanup, action: Action.Configured, ...verifiable };
  }

  /**
   * The plan of an object expected to be absent, from a dry-run sent before any read: Created when the
   * dry-run shows no existing object (or Skipped by the object's own policy annotations). Undefined when the
   * object exists or the dry-run failed: the caller then reads it and plans as usual (a failure is seen
   * again there, with the live object its handling needs).
   */
  async #createPlan(
    desired: UnstructuredObject,
    options: PlanContext,
    base: Pick<Plan, "desired" | "meta" | "version" | "subject" | "recreate" | "cleanup">,
  ): Promise<Plan | undefined> {
    let dryRun: UnstructuredObject;
    try {
      dryRun = await this.#client.apply<UnstructuredObject>(desired, {
        fieldManager: this.#owner.field,
        force: true,
        dryRun: true,
      });
    } catch {
      return undefined;
    }
    if (dryRun.metadata?.resourceVersion) return undefined;
    const policy =
      options.policyAnnotations === false
        ? { skip: false, ifNotPresent: false, merge: false, force: false }
        : objectPolicy(this.#keys, desired, undefined);
    if (policy.skip) return { ...base, live: undefined, dryRun: undefined, action: Action.Skipped };
    const inputHash = this.#verified ? applyInputHash(desired, options.driftIgnoreRules) : undefined;
    return { ...base, live: undefined, dryRun, action: Action.Created, ...(inputHash ? { inputHash } : {}) };
  }

  /**
   * Writes the plans of one stage concurrently (within the manager's bound: objects of one stage have no
   * order between them). After the first failure no further write starts; the change set lists, in apply
   * order, what was written and `Unknown` for what failed, and the failures are thrown together.
   */
  async #executeAll(plans: Plan[], options: ApplyOptions, into: ChangeSet, overall?: ChangeSet): Promise<void> {
    let failed = false;
    const outcomes = await Promise.all(
      plans.map(async (plan): Promise<"done" | "skipped" | { error: Error }> => {
        if (plan.action === Action.Unchanged || plan.action === Action.Skipped) return "done";
        return this.#limit(async () => {
          if (failed) return "skipped";
          try {
            await this.#execute(plan, options);
            return "done";
          } catch (err: unknown) {
            failed = true;
            return { error: err instanceof Error ? err : new Error(String(err)) };
          }
        });
      }),
    );
    const errors: Error[] = [];
    plans.forEach((plan, i) => {
      const outcome = outcomes[i]!;
      if (outcome === "skipped") return;
      const entry = outcome === "done" ? entryFor(plan) : makeEntry(plan.meta, plan.version, Action.Unknown);
      into.add(entry);
      overall?.add(entry);
      if (outcome !== "done") errors.push(outcome.error);
    });
    if (errors.length === 0) return;
    const error =
      errors.length === 1 || !errors.every((e) => e instanceof ApplyError)
        ? errors[0]!
        : new ApplySetError(errors as ApplyError[]);
    throw withChangeSet(error, overall ?? into);
  }

  async #execute(plan: Plan, options: ApplyOptions): Promise<void> {
    if (plan.action === Action.Unchanged || plan.action === Action.Skipped) return;
    const ref = refFor(plan.meta, plan.version);
    if (plan.recreate && plan.live) {
      try {
        await this.#client.delete(ref, { propagationPolicy: "Background" });
      } catch (err: unknown) {
        if (!isNotFound(err)) {
          throw new ApplyError(
            plan.subject,
            `${plan.subject} immutable field detected, failed to delete object: ${message(err)}`,
            {
              cause: err,
            },
          );
        }
      }
      try {
        await this.waitForTermination([ref], {
          interval: options.waitInterval ?? defaultWaitInterval,
          timeout: options.waitTimeout ?? defaultWaitTimeout,
        });
      } catch (err: unknown) {
        throw new ApplyError(
          plan.subject,
          `${plan.subject} immutable field detected, failed to wait for object to be deleted: ${message(err)}`,
          { cause: err },
        );
      }
    } else if (plan.cleanup.length > 0) {
      try {
        await this.#client.patch(ref, plan.cleanup, { type: PatchType.Json, fieldManager: this.#owner.field });
      } catch (err: unknown) {
        if (!isNotFound(err)) {
          throw new ApplyError(plan.subject, `${plan.subject} metadata.managedFields cleanup failed: ${message(err)}`, {
            cause: err,
          });
        }
      }
    }
    try {
      const result = await this.#client.apply<UnstructuredObject>(plan.desired, {
        fieldManager: this.#owner.field,
        force: true,
      });
      if (plan.inputHash) this.#verified?.remember(this.#owner.field, result, plan.inputHash);
      writtenVersions.record(result);
    } catch (err: unknown) {
      throw new ApplyError(plan.subject, `${plan.subject} apply failed: ${message(err)}`, { cause: err });
    }
  }
}

/** Rejects a set that lists one object twice (the later one would silently win). */
function assertUnique(objects: readonly UnstructuredObject[]): void {
  const seen = new Set<string>();
  for (const obj of objects) {
    const id = formatObjectId(objMetadataOf(obj));
    if (seen.has(id)) {
      throw withChangeSet(
        new ApplyError(subjectOf(obj), `${subjectOf(obj)} is listed more than once in the set`),
        new ChangeSet(),
      );
    }
    seen.add(id);
  }
}

function planContext(options: ApplyOptions): PlanContext {
  return { ...options, rules: compileIgnoreRules(options.driftIgnoreRules ?? []) };
}

/** Ids of the Jobs with `spec.ttlSecondsAfterFinished`: once finished they vanish, which waiting must accept. */
export function jobsWithTtl(objects: readonly UnstructuredObject[]): Set<string> {
  return new Set(
    objects
      .filter((o) => o.kind === "Job" && o.apiVersion.startsWith("batch/"))
      .filter(
        (o) => (o["spec"] as { ttlSecondsAfterFinished?: unknown } | undefined)?.ttlSecondsAfterFinished !== undefined,
      )
      .map((o) => formatObjectId(objMetadataOf(o))),
  );
}

function makeEntry(meta: ObjMetadata, version: string, action: ActionName): ChangeSetEntry {
  return {
    id: formatObjectId(meta),
    objMetadata: meta,
    version,
    subject: meta.namespace ? `${meta.kind}/${meta.namespace}/${meta.name}` : `${meta.kind}/${meta.name}`,
    action,
  };
}

function entryFor(plan: Plan): ChangeSetEntry {
  return makeEntry(plan.meta, plan.version, plan.action);
}

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

function describeInput(obj: UnstructuredObject): string {
  const kind = obj.kind || "<no kind>";
  const name = obj.metadata?.name || "<no name>";
  return obj.metadata?.namespace ? `${kind}/${obj.metadata.namespace}/${name}` : `${kind}/${name}`;
}

function toTarget(target: DeleteTarget): UnstructuredObject {
  return "metadata" in target ? (target as UnstructuredObject) : asObject(target);
}

function asObject(ref: ObjectRef): UnstructuredObject {
  return {
    apiVersion: ref.apiVersion,
    kind: ref.kind,
    metadata: { name: ref.name, ...(ref.namespace ? { namespace: ref.namespace } : {}) },
  };
}

function setError(errors: ApplyError[]): ApplyError | ApplySetError {
  return errors.length === 1 ? errors[0]! : new ApplySetError(errors);
}

function withChangeSet<E extends Error>(err: E, changeSet: ChangeSet): WithChangeSet<E> {
  const e = err as WithChangeSet<E>;
  if (e.changeSet === undefined) e.changeSet = changeSet;
  return e;
}

function waitError(prefix: string, problems: { subject: string; status: string; message: string }[]): WaitError {
  const list = problems.map((p) => `${p.subject} status: '${p.status}': ${p.message}`).join(", ");
  return new WaitError(
    `${prefix}: [${list}]`,
    problems.map(({ subject, status, message }) => ({ subject, status, message })),
  );
}

/**
 * Whether a preflight failure of a later-stage object is final. Failures the set itself may cure are
 * not: its kind is defined (or redefined) by a CRD of the set, or its namespace is a Namespace of the set
 * (not found until stage one creates it). Otherwise validation errors (400/422), unknown kinds, missing
 * namespace fields and namespaces the set does not create are final; anything else is re-checked.
 */
function isDefinitive(
  error: ApplyError,
  obj: UnstructuredObject,
  redefined: ReadonlySet<string>,
  namespaces: ReadonlySet<string>,
): boolean {
  if (!(error instanceof DryRunError)) return false;
  const group = parseApiVersion(obj.apiVersion).group;
  if (redefined.has(`${group}/${obj.kind}`)) return false;
  if (error.failure !== "Rejected") return true;
  const cause = error.cause;
  if (!(cause instanceof ApiError)) return false;
  if (cause.status === 422 || cause.status === 400) return true;
  if (cause.status === 404) return !namespaces.has(obj.metadata.namespace ?? "");
  return false;
}
