// The Kustomization reconciler (kustomize.toolkit.fluxcd.io/v1): source artifact → kustomize build →
// server-side dry-run of the whole set → staged server-side apply → inventory → prune → health, with Flux's
// conditions, reasons, messages, status fields and events.

import { mkdtemp, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  type Artifact,
  ConditionType,
  DeletionPolicy,
  FINALIZER,
  formatDuration,
  inventoryDiff,
  KUSTOMIZE_API_VERSION,
  KUSTOMIZE_FIELD_MANAGER,
  KUSTOMIZE_GROUP,
  type Kustomization,
  KustomizationCondition,
  KustomizationReason,
  kustomizationDeletionPolicy,
  kustomizationPrunesOnDelete,
  kustomizationRetryIntervalMs,
  kustomizationTimeoutMs,
  parseDuration,
  parseInventoryEntry,
  type ResourceInventory,
  type ResourceRef,
} from "@sluice/api";
import {
  createKustomizationDecryptor,
  postBuildVariables,
  renderKustomization,
  resolveSpecPath,
} from "@sluice/kustomize";
import {
  Action,
  ArtifactCache,
  ArtifactNotFoundError,
  ChangeSet,
  deleteCondition,
  type EventRecorder,
  errorMessage,
  type IgnoreRule,
  isNotFound,
  isTrue,
  jobsWithTtl,
  type KubeClient,
  type Logger,
  linkTree,
  markFalse,
  markTrue,
  markUnknown,
  type ObjectRef,
  type ReconcileContext,
  type ReconcileResult,
  type Reconciler,
  ResourceManager,
  removeTree,
  requeueAfter,
  StallingError,
  StatusPatcher,
  type StatusReader,
  type UnstructuredObject,
  type WithChangeSet,
  watchForSet,
} from "@sluice/runtime";
import { celStatusReader } from "../internal/health/cel-health.js";
import { type ClusterClient, clusterClientFor } from "./cluster-client.js";
import {
  finalizeKustomizationStatus,
  KUSTOMIZATION_OWNED_CONDITIONS,
  manifestsDigest,
  recordHistory,
} from "./conditions.js";
import { checkDependencies, InvalidReadyExprError } from "./dependencies.js";
import { assertNoEncryptedObjects } from "./sops-guard.js";
import { type ArtifactSource, getSource, originRevision, SourceError, sameRevision } from "./source.js";

/** Field manager of status writes, as Flux's `gotk-kustomize-controller`. */
export const KUSTOMIZE_STATUS_MANAGER = "gotk-kustomize-controller";
/** Name of the controller in events and logs. */
export const KUSTOMIZE_CONTROLLER_NAME = "kustomize-controller";
/** Default `--requeue-dependency`. */
export const DEFAULT_REQUEUE_DEPENDENCY_MS = 30_000;

/** Options of {@link KustomizationReconciler}. */
export interface KustomizationReconcilerOptions {
  /** The controller's client (status writes, sources, dependencies, Secrets). */
  client: KubeClient;
  /** Where Kubernetes and Flux events go (none when absent). */
  events?: EventRecorder | undefined;
  /** SSA field manager (default `kustomize-controller`). */
  fieldManager?: string | undefined;
  /** `--requeue-dependency` in ms (default 30 s). */
  dependencyRequeueMs?: number | undefined;
  /** `--no-cross-namespace-refs`. */
  noCrossNamespaceRefs?: boolean | undefined;
  /** `--no-remote-bases`. */
  noRemoteBases?: boolean | undefined;
  /** `--default-service-account`. */
  defaultServiceAccount?: string | undefined;
  /** `--concurrent-ssa`: objects dry-run/read at once per apply (default 4). */
  concurrentSsa?: number | undefined;
  /** `--http-retry`: artifact download retries (default 9). */
  artifactFetchRetries?: number | undefined;
  /** `SOURCE_CONTROLLER_LOCALHOST`: host:port replacing the artifact URL's. */
  artifactHostOverride?: string | undefined;
  /** Most source artifacts kept extracted between reconciles (default 16; see {@link KustomizationReconciler}). */
  artifactCacheEntries?: number | undefined;
  /** `--override-manager`: extra field managers whose fields are taken over. */
  overrideManagers?: readonly string[] | undefined;
  /** `--custom-apply-stage-kinds`: `group/Kind` keys applied in a stage after `*Class` kinds, before the rest. */
  customStageKinds?: readonly string[] | undefined;
  /** Feature gate StrictPostBuildSubstitutions. */
  strictSubstitutions?: boolean | undefined;
  /** Feature gate ExternalArtifact: `sourceRef.kind: ExternalArtifact` allowed (off by default, as Flux). */
  allowExternalArtifact?: boolean | undefined;
  /** Poll interval of the apply stages' CRD/Namespace waits, ms (default 500). */
  stageWaitIntervalMs?: number | undefined;
}

/** A health check was canceled because a source the Kustomization uses has a new artifact. */
export class HealthCheckCanceledError extends Error {
  constructor(readonly trigger: { kind: string; namespace: string; name: string }) {
    super(`New reconciliation triggered by ${trigger.kind}/${trigger.namespace}/${trigger.name}`);
    this.name = "HealthCheckCanceledError";
  }
}

/** A failure that already set Ready=False (and history); `requeue` is how soon to try again. */
class RunFailure extends Error {
  constructor(
    message: string,
    readonly requeueMs: number | "retry",
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = "RunFailure";
  }
}

/**
 * Reconciles Kustomizations as Flux's kustomize-controller does:
 *
 * 1. deletion → prunes the inventory per `deletionPolicy` (MirrorPrune/Delete/WaitForTermination/Orphan) and
 *    drops the finalizer; otherwise the finalizer is added; `spec.suspend` stops here;
 * 2. `healthCheckExprs` are compiled (a bad one stalls with `InvalidCELExpression`);
 * 3. the source (`Source '<ref>' not found` / `Source artifact not found, retrying in …`, ArtifactFailed) and
 *    `dependsOn` (DependencyNotReady, requeued after `--requeue-dependency`);
 * 4. fetch (digest verified, ArtifactFailed) → build (kustomize, substitution, SOPS guard; BuildFailed) →
 *    dry-run of the whole set then staged SSA (ReconciliationFailed naming the object; nothing applied when
 *    any object is invalid) → inventory → prune (PruneFailed; undeleted objects stay in the inventory) →
 *    health by watching (`wait`/`healthChecks`/CEL; Healthy, HealthCheckFailed);
 * 5. Ready=True `Applied revision: <rev>`, `lastAppliedRevision`, history; the change set is an event with the
 *    revision in its metadata; requeue after `interval` (or `retryInterval` after a failure).
 */
export class KustomizationReconciler implements Reconciler<Kustomization> {
  readonly #client: KubeClient;
  readonly #events: EventRecorder | undefined;
  readonly #field: string;
  readonly #dependencyRequeueMs: number;
  readonly #options: KustomizationReconcilerOptions;
  /** Running health checks by `namespace/name`, so a new source artifact can cancel them. */
  readonly #healthChecks = new Map<string, AbortController>();
  /** Aborts shared artifact downloads when the reconciler is closed. */
  readonly #closing = new AbortController();
  /**
   * Source artifacts extracted once per digest: the many Kustomizations of one repository revision share one
   * download and extraction, and each run works on a hard-linked copy of it (see `#materialize`).
   */
  readonly #artifacts: ArtifactCache;

  constructor(options: KustomizationReconcilerOptions) {
    this.#client = options.client;
    this.#events = options.events;
    this.#field = options.fieldManager ?? KUSTOMIZE_FIELD_MANAGER;
    this.#dependencyRequeueMs = options.dependencyRequeueMs ?? DEFAULT_REQUEUE_DEPENDENCY_MS;
    this.#options = options;
    this.#artifacts = new ArtifactCache({
      retries: options.artifactFetchRetries ?? 9,
      hostOverride: options.artifactHostOverride,
      maxEntries: options.artifactCacheEntries ?? 16,
      signal: this.#closing.signal,
    });
  }

  /** Stops shared downloads and removes the extracted artifacts no run is using. */
  async close(): Promise<void> {
    this.#closing.abort(new Error("kustomize-controller is shutting down"));
    await this.#artifacts.clear();
  }

  /**
   * Cancels the health check running for Kustomization `key` (`namespace/name`), if any, because `trigger`
   * (a source) has a new artifact: the run ends with Ready=False `HealthCheckCanceled` and is requeued at
   * once, as Flux does. Returns whether a check was running.
   */
  cancelHealthCheck(key: string, trigger: { kind: string; namespace: string; name: string }): boolean {
    const running = this.#healthChecks.get(key);
    if (!running) return false;
    running.abort(new HealthCheckCanceledError(trigger));
    return true;
  }

  /**
   * Ends every running health check (the controller is stopping): those runs finish at once with
   * HealthCheckFailed naming `reason`, instead of holding the shutdown until their timeout.
   */
  abortHealthChecks(reason: string): void {
    for (const running of this.#healthChecks.values()) running.abort(new Error(reason));
  }

  /** Runs one reconcile of `obj` (a private copy from the cache); see the class comment. */
  async reconcile(obj: Kustomization, ctx: ReconcileContext): Promise<ReconcileResult> {
    obj.kind ||= "Kustomization";
    obj.apiVersion ||= KUSTOMIZE_API_VERSION;
    const started = Date.now();
    const patcher = new StatusPatcher<Kustomization>(this.#client, obj, {
      fieldManager: KUSTOMIZE_STATUS_MANAGER,
      ownedConditions: KUSTOMIZATION_OWNED_CONDITIONS,
    });

    if (obj.metadata.deletionTimestamp) return this.#finalize(obj, patcher, ctx.log);

    if (!(obj.metadata.finalizers ?? []).includes(FINALIZER)) {
      obj.metadata.finalizers = [...(obj.metadata.finalizers ?? []), FINALIZER];
      await patcher.patch(obj);
    }

    let result: ReconcileResult = {};
    let thrown: unknown;
    try {
      result = await this.#run(obj, patcher, ctx);
    } catch (err: unknown) {
      thrown = err;
    }

    finalizeKustomizationStatus(obj);
    try {
      await patcher.patch(obj, { ignoreNotFound: true });
    } catch (err: unknown) {
      if (thrown === undefined) thrown = err;
    }
    if (thrown !== undefined) throw thrown;

    if (!obj.spec.suspend && isTrue(obj, ConditionType.Ready)) {
      const msg = `Reconciliation finished in ${formatDuration(Date.now() - started)}, next run in ${obj.spec.interval}`;
      ctx.log.info({ revision: obj.status?.lastAttemptedRevision }, msg);
      this.#event(obj, obj.status?.lastAppliedRevision, obj.status?.lastAppliedOriginRevision, "info", msg, {
        [`${KUSTOMIZE_GROUP}/commit_status`]: "update",
      });
    }
    return result;
  }

  /** Everything between the finalizer and the final status patch. */
  async #run(
    obj: Kustomization,
    patcher: StatusPatcher<Kustomization>,
    ctx: ReconcileContext,
  ): Promise<ReconcileResult> {
    if (obj.spec.suspend) {
      ctx.log.info("Reconciliation is suspended for this object");
      return {};
    }
    const retryMs = kustomizationRetryIntervalMs(obj.spec);

    let statusReader: StatusReader;
    try {
      statusReader = celStatusReader(obj.spec.healthCheckExprs);
    } catch (err: unknown) {
      return this.#stall(obj, KustomizationReason.InvalidCELExpression, err, undefined);
    }

    let source: ArtifactSource;
    try {
      source = await getSource(this.#client, obj, {
        noCrossNamespaceRefs: this.#options.noCrossNamespaceRefs === true,
        allowExternalArtifact: this.#options.allowExternalArtifact === true,
      });
    } catch (err: unknown) {
      const message = errorMessage(err);
      markFalse(obj, ConditionType.Ready, KustomizationReason.ArtifactFailed, message);
      if (err instanceof SourceError && err.accessDenied) return this.#stall(obj, "AccessDenied", err, undefined);
      if (err instanceof SourceError && err.notFound) {
        ctx.log.info(message);
        return requeueAfter(retryMs);
      }
      throw err;
    }

    const artifact = source.status?.artifact;
    if (!artifact) {
      const msg = `Source artifact not found, retrying in ${formatDuration(this.#dependencyRequeueMs)}`;
      markFalse(obj, ConditionType.Ready, KustomizationReason.ArtifactFailed, msg);
      ctx.log.info(msg);
      return requeueAfter(this.#dependencyRequeueMs);
    }
    const revision = artifact.revision;
    const origin = originRevision(artifact);

    if ((obj.spec.dependsOn?.length ?? 0) > 0) {
      try {
        await checkDependencies(this.#client, obj, artifact);
      } catch (err: unknown) {
        if (err instanceof InvalidReadyExprError) {
          return this.#stall(obj, KustomizationReason.InvalidCELExpression, err, revision);
        }
        markFalse(obj, ConditionType.Ready, KustomizationReason.DependencyNotReady, errorMessage(err));
        const msg = `Dependencies do not meet ready condition, retrying in ${formatDuration(this.#dependencyRequeueMs)}`;
        ctx.log.info(msg);
        this.#event(obj, revision, origin, "info", msg);
        return requeueAfter(this.#dependencyRequeueMs);
      }
      ctx.log.info("All dependencies are ready, proceeding with reconciliation");
    }

    try {
      await this.#reconcileRevision(obj, artifact, statusReader, patcher, ctx);
    } catch (err: unknown) {
      if (err instanceof ArtifactNotFoundError || (err as { cause?: unknown }).cause instanceof ArtifactNotFoundError) {
        const msg = `Source is not ready, artifact not found, retrying in ${formatDuration(this.#dependencyRequeueMs)}`;
        markFalse(obj, ConditionType.Ready, KustomizationReason.ArtifactFailed, msg);
        ctx.log.info(msg);
        return requeueAfter(this.#dependencyRequeueMs);
      }
      if (err instanceof HealthCheckCanceledError) {
        markFalse(obj, ConditionType.Ready, KustomizationReason.HealthCheckCanceled, err.message);
        ctx.log.info({ trigger: err.trigger }, "New reconciliation triggered, canceling health checks");
        const t = err.trigger;
        this.#event(
          obj,
          revision,
          origin,
          "info",
          `Health checks canceled due to new reconciliation triggered by ${t.kind}/${t.namespace}/${t.name}`,
        );
        return requeueAfter(0);
      }
      if (!(err instanceof RunFailure)) {
        markFalse(obj, ConditionType.Ready, KustomizationReason.ReconciliationFailed, errorMessage(err));
      }
      const message = errorMessage(err);
      ctx.log.error({ error: message, revision }, `Reconciliation failed, next try in ${formatDuration(retryMs)}`);
      this.#event(obj, revision, origin, "error", message);
      return requeueAfter(retryMs);
    }
    return requeueAfter(parseDuration(obj.spec.interval));
  }

  /** Marks Ready=False and Stalled with `reason`, observes the generation, emits an event, stops retrying. */
  #stall(obj: Kustomization, reason: string, err: unknown, revision: string | undefined): never {
    const message = `Reconciliation failed terminally due to configuration error: ${errorMessage(err)}`;
    markFalse(obj, ConditionType.Ready, reason, message);
    markTrue(obj, ConditionType.Stalled, reason, message);
    obj.status ??= {};
    obj.status.observedGeneration = obj.metadata.generation ?? 0;
    this.#event(obj, revision, undefined, "error", message);
    throw new StallingError(reason, message, { cause: err });
  }

  /** Fetch, build, apply, prune and health-check one source revision. */
  async #reconcileRevision(
    obj: Kustomization,
    artifact: Artifact,
    statusReader: StatusReader,
    patcher: StatusPatcher<Kustomization>,
    ctx: ReconcileContext,
  ): Promise<void> {
    const started = Date.now();
    const revision = artifact.revision;
    const origin = originRevision(artifact);
    const timeoutMs = kustomizationTimeoutMs(obj.spec);
    const timeoutText = formatDuration(timeoutMs);
    const oldInventory: ResourceInventory | undefined = obj.status?.inventory
      ? structuredClone(obj.status.inventory)
      : undefined;
    obj.status ??= {};
    const status = obj.status;

    markUnknown(obj, ConditionType.Ready, KustomizationReason.Progressing, "Reconciliation in progress");
    markTrue(
      obj,
      ConditionType.Reconciling,
      KustomizationReason.Progressing,
      `Fetching manifests for revision ${revision} with a timeout of ${timeoutText}`,
    );
    await patcher.patch(obj);

    const fail = (reason: string, err: unknown, history?: { digest: string; meta: Record<string, string> }) => {
      const message = errorMessage(err);
      if (history) recordHistory(obj, history.digest, started, reason, history.meta);
      markFalse(obj, ConditionType.Ready, reason, message);
      return new RunFailure(message, "retry", { cause: err });
    };

    const work = await mkdtemp(join(tmpdir(), "kustomization-"));
    let cluster: ClusterClient | undefined;
    try {
      const root = join(work, "source");
      try {
        await this.#materialize(artifact, root, ctx.signal);
      } catch (err: unknown) {
        if (err instanceof ArtifactNotFoundError) throw err;
        throw fail(KustomizationReason.ArtifactFailed, err);
      }
      try {
        const rel = resolveSpecPath(root, obj.spec.path);
        await stat(join(root, rel));
      } catch (err: unknown) {
        throw fail(
          KustomizationReason.ArtifactFailed,
          new Error(`kustomization path not found: ${errorMessage(err)}`, { cause: err }),
        );
      }

      status.lastAttemptedRevision = revision;
      markTrue(
        obj,
        ConditionType.Reconciling,
        KustomizationReason.Progressing,
        `Building manifests for revision ${revision} with a timeout of ${timeoutText}`,
      );
      await patcher.patch(obj);

      try {
        cluster = await clusterClientFor(obj, {
          client: this.#client,
          defaultServiceAccount: this.#options.defaultServiceAccount,
        });
      } catch (err: unknown) {
        throw fail(KustomizationReason.ReconciliationFailed, err);
      }

      let objects: UnstructuredObject[];
      try {
        const variables = await postBuildVariables(this.#client, obj);
        const decryptor = await createKustomizationDecryptor(obj, this.#client);
        const built = await renderKustomization({
          decryptor,
          root,
          inPlace: true, // root is this run's own linked copy: no copy of the whole artifact per build
          symlinksChecked: true, // the extraction refused symlinks leaving the artifact
          path: obj.spec.path,
          spec: obj.spec,
          noRemoteBases: this.#options.noRemoteBases,
          owner: { name: obj.metadata.name ?? "", namespace: obj.metadata.namespace ?? "" },
          variables,
          substitute: {
            strict: this.#options.strictSubstitutions,
            always: obj.spec.postBuild?.substituteStrategy === "Always",
          },
          commonMetadata: obj.spec.commonMetadata,
          timeoutMs,
        });
        objects = built.objects as unknown as UnstructuredObject[];
        assertNoEncryptedObjects(objects, obj.spec.decryption !== undefined);
      } catch (err: unknown) {
        throw fail(KustomizationReason.BuildFailed, err);
      }

      const history = { digest: manifestsDigest(objects), meta: historyMeta(revision, origin) };
      const manager = new ResourceManager({
        client: cluster.client,
        owner: { field: this.#field, group: KUSTOMIZE_GROUP },
        concurrency: this.#options.concurrentSsa ?? 4,
      });

      markTrue(
        obj,
        ConditionType.Reconciling,
        KustomizationReason.Progressing,
        `Detecting drift for revision ${revision} with a timeout of ${timeoutText}`,
      );
      await patcher.patch(obj);

      const { changeSet, drifted } = await this.#apply(
        obj,
        manager,
        objects,
        revision,
        origin,
        timeoutMs,
        ctx.log,
      ).catch((err: unknown) => {
        throw fail(KustomizationReason.ReconciliationFailed, err, history);
      });

      const newInventory: ResourceInventory = { entries: changeSet.toInventory() };
      status.inventory = newInventory;

      let stale: ResourceRef[];
      try {
        stale = inventoryDiff(oldInventory, newInventory);
      } catch (err: unknown) {
        throw fail(KustomizationReason.ReconciliationFailed, err, history);
      }
      if (obj.spec.prune && stale.length > 0) {
        const survivors = await this.#prune(obj, manager, stale, revision, origin, ctx.log);
        if (survivors.error) {
          newInventory.entries.push(...survivors.entries);
          throw fail(KustomizationReason.PruneFailed, survivors.error, history);
        }
      }

      const isNewRevision = !sameRevision(revision, status.lastAppliedRevision);
      try {
        await this.#checkHealth(obj, cluster.client, changeSet, objects, statusReader, revision, origin, timeoutMs, {
          patcher,
          isNewRevision,
          drifted,
          signal: ctx.signal,
        });
      } catch (err: unknown) {
        if (err instanceof HealthCheckCanceledError) throw err;
        throw fail(KustomizationReason.HealthCheckFailed, err, history);
      }

      status.lastAppliedRevision = revision;
      if (origin) status.lastAppliedOriginRevision = origin;
      else delete status.lastAppliedOriginRevision;
      markTrue(obj, ConditionType.Ready, KustomizationReason.ReconciliationSucceeded, `Applied revision: ${revision}`);
      recordHistory(obj, history.digest, started, KustomizationReason.ReconciliationSucceeded, history.meta);
    } finally {
      if (cluster?.owned) cluster.client.close();
      await removeTree(work).catch((err: unknown) => ctx.log.error({ error: err }, "failed to remove tmp dir"));
    }
  }

  /**
   * Makes `root` this run's private copy of the artifact: the digest-verified extraction is shared through
   * the cache (downloaded once per digest), and `root` hard-links its files, so a run costs directory entries
   * rather than a download and an extraction. The build replaces the files it changes (kustomization file,
   * decrypted inputs) instead of writing through the links, so the shared extraction stays as downloaded.
   */
  async #materialize(artifact: Artifact, root: string, signal: AbortSignal): Promise<void> {
    const lease = await this.#artifacts.acquire(artifact.url, artifact.digest, { signal });
    try {
      await linkTree(lease.dir, root);
    } finally {
      await lease.release();
    }
  }

  /**
   * Staged server-side apply of the whole set (every object dry-run first: one invalid object applies
   * nothing). Emits the change-set event (`Kind/ns/name configured` lines) when something changed.
   */
  async #apply(
    obj: Kustomization,
    manager: ResourceManager,
    objects: UnstructuredObject[],
    revision: string,
    origin: string | undefined,
    timeoutMs: number,
    log: Logger,
  ): Promise<{ changeSet: ChangeSet; drifted: boolean }> {
    if (objects.length === 0) return { changeSet: new ChangeSet(), drifted: false };
    let changeSet: ChangeSet;
    try {
      changeSet = await manager.applyAllStaged(objects, {
        force: obj.spec.force === true,
        driftIgnoreRules: ignoreRules(obj),
        customStageKinds: this.#options.customStageKinds ?? [],
        cleanup: {
          annotations: [
            "kubectl.kubernetes.io/last-applied-configuration",
            "kustomize.toolkit.fluxcd.io/checksum",
            "fluxcd.io/sync-checksum",
          ],
          labels: ["fluxcd.io/sync-gc-mark"],
          fieldManagers: [
            { name: "kubectl", operation: "Apply" },
            { name: "kubectl", operation: "Update" },
            { name: "before-first-apply", operation: "Update" },
            { name: this.#field, operation: "Update" },
            ...(this.#options.overrideManagers ?? []).flatMap((name) => [
              { name, operation: "Apply" as const },
              { name, operation: "Update" as const },
            ]),
          ],
        },
        waitInterval: this.#options.stageWaitIntervalMs ?? 500,
        waitTimeout: timeoutMs,
      });
    } catch (err: unknown) {
      const partial = (err as WithChangeSet<Error>).changeSet?.changesString() ?? "";
      throw new Error(partial ? `${errorMessage(err)}\n${partial}` : errorMessage(err), { cause: err });
    }
    const applyLog = changeSet.changesString();
    log.info({ output: changeSet.toMap(), revision }, "server-side apply completed");
    if (applyLog !== "") this.#event(obj, revision, origin, "info", applyLog);
    const drifted = changeSet.entries.some((e) => e.action === Action.Created || e.action === Action.Configured);
    return { changeSet, drifted };
  }

  /**
   * Deletes stale objects (background propagation) that still carry our owner labels and did not opt out.
   * Returns the entries whose deletion was not confirmed, and the error, so they stay in the inventory.
   */
  async #prune(
    obj: Kustomization,
    manager: ResourceManager,
    stale: ResourceRef[],
    revision: string,
    origin: string | undefined,
    log: Logger,
  ): Promise<{ entries: ResourceRef[]; error?: unknown }> {
    const refs = stale.map(refOfEntry);
    try {
      const changeSet = await manager.delete(refs, {
        inclusions: manager.ownerLabels(obj.metadata.name ?? "", obj.metadata.namespace ?? ""),
      });
      if (changeSet.entries.length > 0) {
        log.info(`garbage collection completed: ${changeSet.toString()}`);
        this.#event(obj, revision, origin, "info", changeSet.toString());
      }
      return { entries: [] };
    } catch (err: unknown) {
      const done = new Set(
        ((err as WithChangeSet<Error>).changeSet?.entries ?? [])
          .filter((e) => e.action === "deleted" || e.action === "skipped")
          .map((e) => e.id),
      );
      return { entries: stale.filter((e) => !done.has(e.id)), error: err };
    }
  }

  /**
   * `wait` (every applied object but skipped ones) or `healthChecks`: watches the objects until Current
   * (kstatus or the CEL reader) within the timeout; Healthy=True `Health check passed in <d>` or
   * Healthy=False HealthCheckFailed naming each unhealthy object. Without checks Healthy is removed.
   */
  async #checkHealth(
    obj: Kustomization,
    client: KubeClient,
    changeSet: ChangeSet,
    objects: UnstructuredObject[],
    statusReader: StatusReader,
    revision: string,
    origin: string | undefined,
    timeoutMs: number,
    run: { patcher: StatusPatcher<Kustomization>; isNewRevision: boolean; drifted: boolean; signal: AbortSignal },
  ): Promise<void> {
    let refs: ObjectRef[];
    if (obj.spec.wait) {
      refs = changeSet.entries.filter((e) => e.action !== "skipped").map((e) => refOfEntry({ id: e.id, v: e.version }));
    } else if ((obj.spec.healthChecks?.length ?? 0) > 0) {
      refs = (obj.spec.healthChecks ?? []).map((h) => ({
        apiVersion: h.apiVersion ?? "v1",
        kind: h.kind,
        name: h.name,
        ...(h.namespace ? { namespace: h.namespace } : {}),
      }));
    } else {
      deleteCondition(obj, KustomizationCondition.Healthy);
      return;
    }
    refs = refs.filter(
      (r) =>
        !(
          r.kind === "Kustomization" &&
          r.name === obj.metadata.name &&
          (r.namespace ?? "") === (obj.metadata.namespace ?? "")
        ),
    );
    if (refs.length === 0) {
      deleteCondition(obj, KustomizationCondition.Healthy);
      return;
    }
    const wasHealthy = isTrue(obj, KustomizationCondition.Healthy);
    const message = `Running health checks for revision ${revision} with a timeout of ${formatDuration(timeoutMs)}`;
    markTrue(obj, ConditionType.Reconciling, KustomizationReason.Progressing, message);
    markUnknown(obj, KustomizationCondition.Healthy, KustomizationReason.Progressing, message);
    await run.patcher.patch(obj);

    const checkStart = Date.now();
    const key = `${obj.metadata.namespace}/${obj.metadata.name}`;
    const cancel = new AbortController();
    this.#healthChecks.set(key, cancel);
    try {
      await watchForSet(client, refs, {
        timeout: timeoutMs,
        statusReader,
        allowNotFound: jobsWithTtl(objects),
        signal: AbortSignal.any([run.signal, cancel.signal]),
      });
    } catch (err: unknown) {
      if (err instanceof HealthCheckCanceledError) throw err;
      const text = errorMessage(err);
      markFalse(obj, KustomizationCondition.Healthy, KustomizationReason.HealthCheckFailed, text);
      throw new Error(`health check failed after ${formatDuration(Date.now() - checkStart)}: ${text}`, { cause: err });
    } finally {
      if (this.#healthChecks.get(key) === cancel) this.#healthChecks.delete(key);
    }
    const msg = `Health check passed in ${formatDuration(Date.now() - checkStart)}`;
    if (!wasHealthy || (run.isNewRevision && run.drifted)) this.#event(obj, revision, origin, "info", msg);
    markTrue(obj, KustomizationCondition.Healthy, KustomizationReason.Succeeded, msg);
    await run.patcher.patch(obj);
  }

  /** Deletion: prunes the inventory when the deletion policy says so, then drops the finalizer. */
  async #finalize(obj: Kustomization, patcher: StatusPatcher<Kustomization>, log: Logger): Promise<ReconcileResult> {
    const entries = obj.status?.inventory?.entries ?? [];
    const revision = obj.status?.lastAppliedRevision;
    const origin = obj.status?.lastAppliedOriginRevision;
    if (entries.length > 0 && kustomizationPrunesOnDelete(obj.spec)) {
      let cluster: ClusterClient | undefined;
      try {
        cluster = await clusterClientFor(obj, {
          client: this.#client,
          defaultServiceAccount: this.#options.defaultServiceAccount,
        });
      } catch (err: unknown) {
        const msg = `unable to prune objects: ${errorMessage(err)}`;
        log.error({ error: errorMessage(err) }, "skipping pruning, failed to build the client");
        this.#event(obj, revision, origin, "error", msg);
      }
      if (cluster) {
        try {
          const manager = new ResourceManager({
            client: cluster.client,
            owner: { field: this.#field, group: KUSTOMIZE_GROUP },
          });
          const refs = entries.map(refOfEntry);
          let changeSet: ChangeSet;
          try {
            changeSet = await manager.delete(refs, {
              inclusions: manager.ownerLabels(obj.metadata.name ?? "", obj.metadata.namespace ?? ""),
            });
          } catch (err: unknown) {
            this.#event(obj, revision, origin, "error", "pruning for deleted resource failed");
            throw err;
          }
          if (changeSet.entries.length > 0) {
            this.#event(obj, revision, origin, "info", changeSet.toString());
            if (kustomizationDeletionPolicy(obj.spec) === DeletionPolicy.WaitForTermination) {
              try {
                await manager.waitForTermination(changeSet.toRefs("deleted"), {
                  interval: 500,
                  timeout: kustomizationTimeoutMs(obj.spec),
                });
              } catch (err: unknown) {
                const msg = "failed to wait for resources termination";
                log.error({ error: errorMessage(err) }, msg);
                this.#event(obj, revision, origin, "error", msg);
              }
            }
          }
        } finally {
          if (cluster.owned) cluster.client.close();
        }
      }
    }
    obj.metadata.finalizers = (obj.metadata.finalizers ?? []).filter((f) => f !== FINALIZER);
    try {
      await patcher.patch(obj, { ignoreNotFound: true });
    } catch (err: unknown) {
      if (!isNotFound(err)) throw err;
    }
    return {};
  }

  /** Emits an event with the revision metadata; the reason is Ready's reason (else the severity), as Flux. */
  #event(
    obj: Kustomization,
    revision: string | undefined,
    origin: string | undefined,
    severity: "info" | "error",
    message: string,
    extra: Record<string, string> = {},
  ): void {
    if (!this.#events) return;
    const metadata: Record<string, string> = { ...extra };
    if (revision) metadata[`${KUSTOMIZE_GROUP}/revision`] = revision;
    if (origin) metadata[`${KUSTOMIZE_GROUP}/originRevision`] = origin;
    const ready = obj.status?.conditions?.find((c) => c.type === ConditionType.Ready);
    const reason = ready?.reason || severity;
    void this.#events.event(obj, { severity, reason, message, metadata });
  }
}

function historyMeta(revision: string, origin: string | undefined): Record<string, string> {
  return origin ? { revision, originRevision: origin } : { revision };
}

function refOfEntry(entry: ResourceRef): ObjectRef {
  const parsed = parseInventoryEntry(entry);
  return {
    apiVersion: parsed.apiVersion,
    kind: parsed.kind,
    name: parsed.name,
    ...(parsed.namespace ? { namespace: parsed.namespace } : {}),
  };
}

function ignoreRules(obj: Kustomization): IgnoreRule[] {
  return (obj.spec.ignore ?? []).map((rule) => {
    const out: IgnoreRule = { paths: [...rule.paths] };
    if (rule.target) {
      const selector: NonNullable<IgnoreRule["selector"]> = {};
      for (const key of [
        "group",
        "version",
        "kind",
        "name",
        "namespace",
        "labelSelector",
        "annotationSelector",
      ] as const) {
        const value = (rule.target as Record<string, string | undefined>)[key];
        if (value) selector[key] = value;
      }
      out.selector = selector;
    }
    return out;
  });
}
