// The Kustomization reconciler (kustomize.toolkit.fluxcd.io/v1): source artifact → kustomize build →
// server-side dry-run of the whole set → staged server-side apply → inventory → prune → health, with Flux's
// conditions, reasons, messages, status fields and events.

import { mkdtemp, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  type Artifact,
  ConditionType,
  DeletionPolicy,
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
  reachesRemoteBases,
  renderKustomization,
  resolveSpecPath,
} from "@sluice/kustomize";
import { ArtifactCache, ArtifactNotFoundError, linkTree, linkTreeAlong, removeTree } from "@sluice/runtime/artifact";
import { deleteCondition, isTrue, markFalse, markTrue, markUnknown } from "@sluice/runtime/conditions";
import type { ReconcileContext, ReconcileResult, Reconciler } from "@sluice/runtime/controller";
import { errorMessage, GenericReconcileError, WaitingError } from "@sluice/runtime/errors";
import type { EventInput, EventRecorder } from "@sluice/runtime/events";
import type { KubeClient, ObjectRef, UnstructuredObject } from "@sluice/runtime/kube";
import { type ReconcileRun, readySetDirectly, StepReconciler, step } from "@sluice/runtime/reconcile";
import {
  Action,
  ChangeSet,
  type IgnoreRule,
  jobsWithTtl,
  objectIdOf,
  ResourceManager,
  type StatusReader,
  type WithChangeSet,
  watchForSet,
} from "@sluice/runtime/ssa";
import { celStatusReader } from "../internal/health/cel-health.js";
import { BuildCache, buildKey, type CachedBuild } from "./build-cache.js";
import { type ClusterClient, clusterClientFor } from "./cluster-client.js";
import { KUSTOMIZATION_OWNED_CONDITIONS, manifestsDigest, recordHistory } from "./conditions.js";
import { configurationError } from "./configuration-error.js";
import { checkDependencies } from "./dependencies.js";
import { assertNoEncryptedObjects } from "./sops-guard.js";
import {
  type ArtifactSource,
  type CachedSourceReader,
  getSource,
  originRevision,
  sameRevision,
  sourceRefString,
} from "./source.js";

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
  /** Most built objects kept between reconciles over all Kustomizations (default 20000; 0 disables the cache). */
  buildCacheObjects?: number | undefined;
  /** `--override-manager`: extra field managers whose fields are taken over. */
  overrideManagers?: readonly string[] | undefined;
  /** `--custom-apply-stage-kinds`: `group/Kind` keys applied in a stage after `*Class` kinds, before the rest. */
  customStageKinds?: readonly string[] | undefined;
  /**
   * Feature gate StrictPostBuildSubstitutions: a `${VAR}` without default and without value fails the build.
   * On unless false (Flux's default since kustomize-controller v1.9).
   */
  strictSubstitutions?: boolean | undefined;
  /** Feature gate ExternalArtifact: `sourceRef.kind: ExternalArtifact` allowed (off by default, as Flux). */
  allowExternalArtifact?: boolean | undefined;
  /** Poll interval of the apply stages' CRD/Namespace waits, ms (default 500). */
  stageWaitIntervalMs?: number | undefined;
  /** Reads sources from the informer cache of the watched source kinds (else each run GETs its source). */
  sourceCache?: CachedSourceReader | undefined;
}

/** A health check was canceled because a source the Kustomization uses has a new artifact. */
export class HealthCheckCanceledError extends Error {
  constructor(readonly trigger: { kind: string; namespace: string; name: string }) {
    super(`New reconciliation triggered by ${trigger.kind}/${trigger.namespace}/${trigger.name}`);
    this.name = "HealthCheckCanceledError";
  }
}

/** What one run's steps share: the health reader, and the source revision being applied. */
interface KustomizationRun {
  /** The health reader of `healthCheckExprs` (kstatus with the CEL rules). */
  statusReader?: StatusReader;
  /** The source artifact being applied. */
  artifact?: Artifact;
  /** Its revision (the revision metadata of the run's events), or the last applied one during deletion. */
  revision?: string | undefined;
  /** Its origin revision (OCI `org.opencontainers.image.revision`), if any. */
  origin?: string | undefined;
}

/**
 * Reconciles Kustomizations as Flux's kustomize-controller does, through the runtime's reconcile skeleton
 * with Ready set directly by the steps (`readySetDirectly`; a failure's Ready=False carries the error's
 * reason and message):
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
 *
 * Every event carries the revision metadata and, as its reason, Ready's reason (see `#decorate`).
 */
export class KustomizationReconciler implements Reconciler<Kustomization> {
  readonly #client: KubeClient;
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
  /** Builds by their inputs (see `buildKey`): a reconcile with unchanged inputs does not build again. */
  readonly #builds: BuildCache | undefined;
  readonly #skeleton: StepReconciler<Kustomization, KustomizationRun>;

  constructor(options: KustomizationReconcilerOptions) {
    this.#client = options.client;
    this.#field = options.fieldManager ?? KUSTOMIZE_FIELD_MANAGER;
    this.#dependencyRequeueMs = options.dependencyRequeueMs ?? DEFAULT_REQUEUE_DEPENDENCY_MS;
    this.#options = options;
    this.#artifacts = new ArtifactCache({
      retries: options.artifactFetchRetries ?? 9,
      hostOverride: options.artifactHostOverride,
      maxEntries: options.artifactCacheEntries ?? 16,
      signal: this.#closing.signal,
    });
    const buildCacheObjects = options.buildCacheObjects ?? 20_000;
    this.#builds = buildCacheObjects > 0 ? new BuildCache(buildCacheObjects) : undefined;
    this.#skeleton = new StepReconciler<Kustomization, KustomizationRun>({
      apiVersion: KUSTOMIZE_API_VERSION,
      kind: "Kustomization",
      client: options.client,
      fieldManager: KUSTOMIZE_STATUS_MANAGER,
      ownedConditions: KUSTOMIZATION_OWNED_CONDITIONS,
      events: options.events,
      newState: () => ({}),
      steps: [
        step("compileHealthChecks", (run) => this.#compileHealthChecks(run)),
        step("reconcileSource", (run) => this.#reconcileSource(run)),
        step("checkDependencies", (run) => this.#checkDependencies(run)),
        step("reconcileRevision", (run) => this.#reconcileRevisionStep(run)),
      ],
      summarize: readySetDirectly,
      // Flux's finalizeStatus runs for a suspended Kustomization too (a Ready one observes its generation).
      summarizeSuspended: true,
      interval: (obj) => parseDuration(obj.spec.interval),
      finalize: (run) => this.#finalize(run),
      afterPatch: (run) => this.#announceSuccess(run),
      decorateEvent: (run, event) => this.#decorate(run, event),
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
  reconcile(obj: Kustomization, ctx: ReconcileContext): Promise<ReconcileResult> {
    return this.#skeleton.reconcile(obj, ctx);
  }

  /** `healthCheckExprs` compiled into the run's health reader (a bad expression stalls, InvalidCELExpression). */
  #compileHealthChecks(run: ReconcileRun<Kustomization, KustomizationRun>): void {
    try {
      run.state.statusReader = celStatusReader(run.obj.spec.healthCheckExprs);
    } catch (err: unknown) {
      throw configurationError(KustomizationReason.InvalidCELExpression, err);
    }
  }

  /**
   * The source and its artifact (ArtifactFailed: `Source '<ref>' not found` retried after `retryInterval`;
   * `Source artifact not found, retrying in …` after `--requeue-dependency`; cross-namespace refusal stalls).
   */
  async #reconcileSource(run: ReconcileRun<Kustomization, KustomizationRun>): Promise<void> {
    const { obj, log } = run;
    let source: ArtifactSource;
    try {
      source = await getSource(this.#client, obj, {
        noCrossNamespaceRefs: this.#options.noCrossNamespaceRefs === true,
        notFoundRetryMs: kustomizationRetryIntervalMs(obj.spec),
        allowExternalArtifact: this.#options.allowExternalArtifact === true,
        cache: this.#options.sourceCache,
      });
    } catch (err: unknown) {
      if (err instanceof WaitingError) log.info(`Source '${sourceRefString(obj)}' not found`);
      throw err;
    }
    const artifact = source.status?.artifact;
    if (!artifact) {
      const msg = `Source artifact not found, retrying in ${formatDuration(this.#dependencyRequeueMs)}`;
      log.info(msg);
      throw new WaitingError(KustomizationReason.ArtifactFailed, msg, this.#dependencyRequeueMs);
    }
    run.state.artifact = artifact;
    run.state.revision = artifact.revision;
    run.state.origin = originRevision(artifact);
  }

  /** `dependsOn` (DependencyNotReady, requeued after `--requeue-dependency` with an info event). */
  async #checkDependencies(run: ReconcileRun<Kustomization, KustomizationRun>): Promise<void> {
    const { obj, log, state } = run;
    if ((obj.spec.dependsOn?.length ?? 0) === 0 || !state.artifact) return;
    try {
      await checkDependencies(this.#client, obj, state.artifact, this.#dependencyRequeueMs);
    } catch (err: unknown) {
      if (err instanceof WaitingError && err.notice) log.info(err.notice);
      throw err;
    }
    log.info("All dependencies are ready, proceeding with reconciliation");
  }

  /**
   * The revision's fetch, build, apply, prune and health check, its failures as Flux reports them: a source
   * artifact gone from storage is waited for (ArtifactFailed); a health check canceled by a new source
   * artifact is requeued at once (HealthCheckCanceled, with an info event); any other failure is retried
   * after `retryInterval` with its reason (ReconciliationFailed when it has none of its own).
   */
  async #reconcileRevisionStep(run: ReconcileRun<Kustomization, KustomizationRun>): Promise<void> {
    const { obj, log } = run;
    try {
      await this.#reconcileRevision(run);
    } catch (err: unknown) {
      if (err instanceof ArtifactNotFoundError || (err as { cause?: unknown }).cause instanceof ArtifactNotFoundError) {
        const msg = `Source is not ready, artifact not found, retrying in ${formatDuration(this.#dependencyRequeueMs)}`;
        log.info(msg);
        throw new WaitingError(KustomizationReason.ArtifactFailed, msg, this.#dependencyRequeueMs, { cause: err });
      }
      if (err instanceof HealthCheckCanceledError) {
        log.info({ trigger: err.trigger }, "New reconciliation triggered, canceling health checks");
        const t = err.trigger;
        throw new WaitingError(KustomizationReason.HealthCheckCanceled, err.message, 0, {
          cause: err,
          notice: `Health checks canceled due to new reconciliation triggered by ${t.kind}/${t.namespace}/${t.name}`,
        });
      }
      const retryAfter = kustomizationRetryIntervalMs(obj.spec);
      if (err instanceof RevisionFailure) {
        throw new GenericReconcileError(err.reason, err.message, { cause: err.cause, retryAfter });
      }
      throw new GenericReconcileError(KustomizationReason.ReconciliationFailed, errorMessage(err), {
        cause: err,
        retryAfter,
      });
    }
  }

  /** Fetch, build, apply, prune and health-check one source revision. */
  async #reconcileRevision(run: ReconcileRun<Kustomization, KustomizationRun>): Promise<void> {
    const { obj, state } = run;
    const { artifact, statusReader } = state;
    if (!artifact || !statusReader) throw new Error("reconcileRevision: the earlier steps left no artifact");
    const started = Date.now();
    const revision = artifact.revision;
    const origin = state.origin;
    const timeoutMs = kustomizationTimeoutMs(obj.spec);
    const timeoutText = formatDuration(timeoutMs);
    const oldInventory: ResourceInventory | undefined = obj.status?.inventory
      ? structuredClone(obj.status.inventory)
      : undefined;
    obj.status ??= {};
    const status = obj.status;

    // The substituteFrom objects are read before the fetch (reads only) so the build's cache key is known
    // first; their failure is reported at the build step, where Flux reports it.
    const variables = settle(postBuildVariables(this.#client, obj));

    markUnknown(obj, ConditionType.Ready, KustomizationReason.Progressing, "Reconciliation in progress");
    markTrue(
      obj,
      ConditionType.Reconciling,
      KustomizationReason.Progressing,
      `Fetching manifests for revision ${revision} with a timeout of ${timeoutText}`,
    );
    await run.patch();

    const fail = (reason: string, err: unknown, history?: { digest: string; meta: Record<string, string> }) => {
      if (history) recordHistory(obj, history.digest, started, reason, history.meta);
      return new RevisionFailure(reason, err);
    };

    const vars = await variables;
    const key =
      this.#builds && "value" in vars
        ? buildKey(obj, artifact, vars.value, {
            strictSubstitutions: this.#options.strictSubstitutions !== false,
            noRemoteBases: this.#options.noRemoteBases === true,
          })
        : undefined;
    // A hit skips the download: the artifact digest names its content, and the build is a function of the
    // content and the other key inputs, so building again would produce these same objects.
    let cached: CachedBuild | undefined = key ? this.#builds?.get(key) : undefined;
    let work: string | undefined;
    let cluster: ClusterClient | undefined;
    let linked: Materialized | undefined;
    try {
      let root = "";
      let rel = "";
      if (!cached) {
        work = await mkdtemp(join(tmpdir(), "kustomization-"));
        root = join(work, "source");
        try {
          linked = await this.#materialize(artifact, root, run.signal, obj);
        } catch (err: unknown) {
          if (err instanceof ArtifactNotFoundError) throw err;
          throw fail(KustomizationReason.ArtifactFailed, err);
        }
        try {
          rel = resolveSpecPath(root, obj.spec.path);
          await stat(join(root, rel));
        } catch (err: unknown) {
          throw fail(
            KustomizationReason.ArtifactFailed,
            new Error(`kustomization path not found: ${errorMessage(err)}`, { cause: err }),
          );
        }
      }

      status.lastAttemptedRevision = revision;
      markTrue(
        obj,
        ConditionType.Reconciling,
        KustomizationReason.Progressing,
        `Building manifests for revision ${revision} with a timeout of ${timeoutText}`,
      );
      await run.patch();

      try {
        cluster = await clusterClientFor(obj, {
          client: this.#client,
          defaultServiceAccount: this.#options.defaultServiceAccount,
        });
      } catch (err: unknown) {
        throw fail(KustomizationReason.ReconciliationFailed, err);
      }

      if (!cached) {
        try {
          if ("error" in vars) throw vars.error;
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
            variables: vars.value,
            substitute: {
              strict: this.#options.strictSubstitutions ?? true,
              always: obj.spec.postBuild?.substituteStrategy === "Always",
            },
            commonMetadata: obj.spec.commonMetadata,
            timeoutMs,
            linkedFrom: linked?.from,
          });
          const objects = built.objects as unknown as UnstructuredObject[];
          assertNoEncryptedObjects(objects, obj.spec.decryption !== undefined);
          cached = { objects, digest: manifestsDigest(objects) };
        } catch (err: unknown) {
          throw fail(KustomizationReason.BuildFailed, err);
        }
        // A remote base can change without the artifact changing: such builds are not kept.
        if (
          key &&
          this.#builds &&
          (this.#options.noRemoteBases || !(await reachesRemoteBases(root, join(root, rel))))
        ) {
          cached = this.#builds.set(key, cached.objects, cached.digest);
        }
        await linked?.release();
      }
      // Read-only from here on (frozen when cached): the apply works on its own normalized copies.
      const objects = cached.objects as UnstructuredObject[];

      const history = { digest: cached.digest, meta: historyMeta(revision, origin) };
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
      await run.patch();

      const inventoried = new Set((oldInventory?.entries ?? []).map((e) => e.id));
      const { changeSet, drifted } = await this.#apply(run, manager, objects, timeoutMs, inventoried).catch(
        (err: unknown) => {
          throw fail(KustomizationReason.ReconciliationFailed, err, history);
        },
      );

      const newInventory: ResourceInventory = { entries: changeSet.toInventory() };
      status.inventory = newInventory;

      let stale: ResourceRef[];
      try {
        stale = inventoryDiff(oldInventory, newInventory);
      } catch (err: unknown) {
        throw fail(KustomizationReason.ReconciliationFailed, err, history);
      }
      if (obj.spec.prune && stale.length > 0) {
        const survivors = await this.#prune(run, manager, stale);
        if (survivors.error) {
          newInventory.entries.push(...survivors.entries);
          throw fail(KustomizationReason.PruneFailed, survivors.error, history);
        }
      }

      const isNewRevision = !sameRevision(revision, status.lastAppliedRevision);
      try {
        await this.#checkHealth(run, cluster.client, changeSet, objects, statusReader, timeoutMs, {
          isNewRevision,
          drifted,
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
      await linked?.release();
      if (cluster?.owned) cluster.client.close();
      if (work) {
        // A partial link tree is a few entries: removed off the event loop (removeTree walks large ones).
        const removal = linked?.from ? rm(work, { recursive: true, force: true }) : removeTree(work);
        await removal.catch((err: unknown) => run.log.error({ error: err }, "failed to remove tmp dir"));
      }
    }
  }

  /**
   * Makes `root` this run's private copy of the artifact: the digest-verified extraction is shared through
   * the cache (downloaded once per digest), and `root` hard-links its files, so a run costs directory entries
   * rather than a download and an extraction. The build replaces the files it changes (kustomization file,
   * decrypted inputs) instead of writing through the links, so the shared extraction stays as downloaded.
   * Without `spec.decryption` the build writes only the kustomization file of `spec.path`, so only that
   * subtree is linked and the rest of the artifact is symlinked (`linkTreeAlong`): the extraction then stays
   * leased until `release()` (after the build), since the symlinks point into it.
   */
  async #materialize(artifact: Artifact, root: string, signal: AbortSignal, obj: Kustomization): Promise<Materialized> {
    const lease = await this.#artifacts.acquire(artifact.url, artifact.digest, { signal });
    try {
      let along: string | undefined;
      try {
        along = obj.spec.decryption ? undefined : resolveSpecPath(root, obj.spec.path);
      } catch {
        along = undefined; // outside the root: reported by the path check that follows
      }
      if (along === undefined) {
        await linkTree(lease.dir, root);
        await lease.release();
        return { release: async () => {} };
      }
      await linkTreeAlong(lease.dir, root, along);
      return { from: lease.dir, release: () => lease.release() };
    } catch (err: unknown) {
      await lease.release();
      throw err;
    }
  }

  /**
   * Staged server-side apply of the whole set (every object dry-run first: one invalid object applies
   * nothing). Emits the change-set event (`Kind/ns/name configured` lines) when something changed.
   */
  async #apply(
    run: ReconcileRun<Kustomization, KustomizationRun>,
    manager: ResourceManager,
    objects: UnstructuredObject[],
    timeoutMs: number,
    inventoried: ReadonlySet<string>,
  ): Promise<{ changeSet: ChangeSet; drifted: boolean }> {
    const { obj, log } = run;
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
        // Objects new to the inventory are dry-run before they are read (one request fewer each when new).
        expectAbsent: (o) => !inventoried.has(objectIdOf(o)),
      });
    } catch (err: unknown) {
      const partial = (err as WithChangeSet<Error>).changeSet?.changesString() ?? "";
      throw new Error(partial ? `${errorMessage(err)}\n${partial}` : errorMessage(err), { cause: err });
    }
    const applyLog = changeSet.changesString();
    log.info({ output: changeSet.toMap(), revision: run.state.revision }, "server-side apply completed");
    if (applyLog !== "") run.event("info", "", applyLog);
    const drifted = changeSet.entries.some((e) => e.action === Action.Created || e.action === Action.Configured);
    return { changeSet, drifted };
  }

  /**
   * Deletes stale objects (background propagation) that still carry our owner labels and did not opt out.
   * Returns the entries whose deletion was not confirmed, and the error, so they stay in the inventory.
   */
  async #prune(
    run: ReconcileRun<Kustomization, KustomizationRun>,
    manager: ResourceManager,
    stale: ResourceRef[],
  ): Promise<{ entries: ResourceRef[]; error?: unknown }> {
    const { obj, log } = run;
    const refs = stale.map(refOfEntry);
    try {
      const changeSet = await manager.delete(refs, {
        inclusions: manager.ownerLabels(obj.metadata.name ?? "", obj.metadata.namespace ?? ""),
      });
      if (changeSet.entries.length > 0) {
        log.info(`garbage collection completed: ${changeSet.toString()}`);
        run.event("info", "", changeSet.toString());
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
    run: ReconcileRun<Kustomization, KustomizationRun>,
    client: KubeClient,
    changeSet: ChangeSet,
    objects: UnstructuredObject[],
    statusReader: StatusReader,
    timeoutMs: number,
    revisionChange: { isNewRevision: boolean; drifted: boolean },
  ): Promise<void> {
    const obj = run.obj;
    const revision = run.state.revision;
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
    await run.patch();

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
    if (!wasHealthy || (revisionChange.isNewRevision && revisionChange.drifted)) run.event("info", "", msg);
    markTrue(obj, KustomizationCondition.Healthy, KustomizationReason.Succeeded, msg);
    await run.patch();
  }

  /** Deletion: prunes the inventory when the deletion policy says so, then drops the finalizer. */
  async #finalize(run: ReconcileRun<Kustomization, KustomizationRun>): Promise<void> {
    const { obj, log } = run;
    const entries = obj.status?.inventory?.entries ?? [];
    run.state.revision = obj.status?.lastAppliedRevision;
    run.state.origin = obj.status?.lastAppliedOriginRevision;
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
        run.event("error", "", msg);
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
            run.event("error", "", "pruning for deleted resource failed");
            throw err;
          }
          if (changeSet.entries.length > 0) {
            run.event("info", "", changeSet.toString());
            if (kustomizationDeletionPolicy(obj.spec) === DeletionPolicy.WaitForTermination) {
              try {
                await manager.waitForTermination(changeSet.toRefs("deleted"), {
                  interval: 500,
                  timeout: kustomizationTimeoutMs(obj.spec),
                });
              } catch (err: unknown) {
                const msg = "failed to wait for resources termination";
                log.error({ error: errorMessage(err) }, msg);
                run.event("error", "", msg);
              }
            }
          }
        } finally {
          if (cluster.owned) cluster.client.close();
        }
      }
    }
  }

  /** After a successful run: `Reconciliation finished in <d>, next run in <interval>` (commit status update). */
  #announceSuccess(run: ReconcileRun<Kustomization, KustomizationRun>): void {
    const obj = run.obj;
    if (!isTrue(obj, ConditionType.Ready)) return;
    const msg = `Reconciliation finished in ${formatDuration(Date.now() - run.startedAt)}, next run in ${obj.spec.interval}`;
    run.log.info({ revision: obj.status?.lastAttemptedRevision }, msg);
    run.state.revision = obj.status?.lastAppliedRevision;
    run.state.origin = obj.status?.lastAppliedOriginRevision;
    run.event("info", "", msg, { [`${KUSTOMIZE_GROUP}/commit_status`]: "update" });
  }

  /** Every event as Flux's kustomize-controller sends it: Ready's reason (else the severity), revision metadata. */
  #decorate(run: ReconcileRun<Kustomization, KustomizationRun>, event: EventInput): EventInput {
    const metadata: Record<string, string> = { ...event.metadata };
    if (run.state.revision) metadata[`${KUSTOMIZE_GROUP}/revision`] = run.state.revision;
    if (run.state.origin) metadata[`${KUSTOMIZE_GROUP}/originRevision`] = run.state.origin;
    const ready = run.obj.status?.conditions?.find((c) => c.type === ConditionType.Ready);
    return { ...event, reason: ready?.reason || event.severity, metadata };
  }
}

/** A run's copy of the artifact: the shared extraction its symlinks point into, released after the build. */
interface Materialized {
  from?: string;
  release(): Promise<void>;
}

/** A failure of one stage of the revision (its reason: ArtifactFailed, BuildFailed, PruneFailed, …). */
class RevisionFailure extends Error {
  constructor(
    readonly reason: string,
    cause: unknown,
  ) {
    super(errorMessage(cause), { cause });
    this.name = "RevisionFailure";
  }
}

/** A promise's outcome as a value, so it can be awaited later without an unhandled rejection meanwhile. */
function settle<T>(promise: Promise<T>): Promise<{ value: T } | { error: unknown }> {
  return promise.then(
    (value) => ({ value }),
    (error: unknown) => ({ error }),
  );
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
