// The HelmRepository reconciler (source.toolkit.fluxcd.io/v1): fetches a chart repository's index.yaml,
// stores it (normalized) as an artifact with Flux's revision, conditions, reasons, messages and events; a
// repository of type `oci` is a static object whose status and finalizer are cleared, as Flux does.

import { createHash } from "node:crypto";
import {
  type Artifact,
  FINALIZER,
  HELM_REPOSITORY_DEFAULT_INTERVAL,
  type HelmRepository,
  isOciHelmRepository,
  parseDuration,
  Reason,
  SOURCE_API_VERSION,
  SourceCondition,
  SourceKind,
  SourceReason,
} from "@sluice/api";
import { deleteCondition } from "@sluice/runtime/conditions";
import type { ReconcileContext, ReconcileResult, Reconciler } from "@sluice/runtime/controller";
import { errorMessage } from "@sluice/runtime/errors";
import type { EventRecorder } from "@sluice/runtime/events";
import type { KubeClient } from "@sluice/runtime/kube";
import type { Logger } from "@sluice/runtime/logging";
import type { ReconcileRun, StepReconciler } from "@sluice/runtime/reconcile";
import { StatusPatcher } from "@sluice/runtime/status";
import {
  type CacheRecorder,
  fetchIndex,
  type HelmIndexCache,
  type IndexFetchOptions,
  type IndexFile,
  indexToJson,
  indexUrl,
  parseIndex,
  redactUrl,
} from "../internal/helm/index.js";
import {
  fetchOptionsOf,
  type RepositoryCredentials,
  RepositoryCredentialsError,
  readRepositoryCredentials,
} from "../internal/helm/repository-credentials.js";
import {
  fetchFailed,
  fetchStalled,
  markBuilding,
  markStored,
  reportUpToDate,
  SOURCE_CONTROLLER_NAME,
  type SourceReconcilerOptions,
  SourceSteps,
  sourceReconciler,
  storeArtifact,
} from "../internal/reconcile/index.js";
import type { ArtifactStorage, ArtifactTarget } from "../internal/storage/index.js";
import { HELM_REPOSITORY_CONDITIONS } from "./conditions.js";
import { humanSize } from "./human-size.js";

/** The link next to the index artifacts that `status.url` points at. */
const INDEX_LINK = "index.yaml";

/** Options of {@link HelmRepositoryReconciler}. */
export interface HelmRepositoryReconcilerOptions extends SourceReconcilerOptions {
  /** The Helm index cache (`--helm-cache-max-size` > 0): each new index is put in, its TTL extended. */
  indexCache?: HelmIndexCache | undefined;
  /** `gotk_cache_events_total`, whose series of a deleted HelmRepository are dropped. */
  cacheRecorder?: CacheRecorder | undefined;
}

/** What the source step learnt, shared with the artifact step. */
interface SourceState {
  /** `sha256:<digest of the fetched index bytes>`. */
  revision: string;
  /** The artifact to have in storage: the current one when the revision is unchanged. */
  target: ArtifactTarget;
  /** The parsed index; undefined when the stored artifact is up to date. */
  index: IndexFile | undefined;
}

/** What one run's steps share: what the source step learnt for the artifact step. */
interface HelmRepositoryRun {
  source?: SourceState;
}

/**
 * Reconciles HelmRepositories as Flux's source-controller does.
 *
 * `type: oci`: when the object still carries the finalizer or any status, its storage is removed, the
 * finalizer dropped and the status cleared; nothing else (no Ready, no artifact, no requeue).
 *
 * `type: default`, through the runtime's reconcile skeleton (deletion → removes the object's storage
 * directory; finalizer; `spec.suspend`), with these steps:
 * 1. progress: Reconciling/Ready Unknown, persisted at once for a new generation or a requested run;
 * 2. storage: an artifact missing from storage or failing its digest check is dropped (Reconciling
 *    "building artifact"); artifact and `status.url` follow the advertised address;
 * 3. source: the URL (URLInvalid, stalling), credentials from `secretRef`/`certSecretRef`
 *    (AuthenticationFailed), `GET <url>/index.yaml` (Failed), the revision `sha256:<digest of the index>`;
 *    unchanged → done; otherwise the index is parsed and validated (IndexationFailed) and ArtifactOutdated
 *    NewRevision is set;
 * 4. artifact: the normalized index stored as `index-<digest>.yaml` with an `index.yaml` link (its URL in
 *    `status.url`); ArtifactInStorage "stored artifact: revision '<rev>'".
 *
 * Ready is summarized from those conditions; a new artifact emits `NewArtifact` with the revision and
 * digest; old artifacts are garbage collected; the object is requeued after `spec.interval` (1m unset).
 */
export class HelmRepositoryReconciler implements Reconciler<HelmRepository> {
  readonly #client: KubeClient;
  readonly #storage: ArtifactStorage;
  readonly #events: EventRecorder | undefined;
  readonly #name: string;
  readonly #indexCache: HelmIndexCache | undefined;
  readonly #cacheRecorder: CacheRecorder | undefined;
  readonly #steps: SourceSteps;
  readonly #skeleton: StepReconciler<HelmRepository, HelmRepositoryRun>;

  constructor(options: HelmRepositoryReconcilerOptions) {
    this.#client = options.client;
    this.#storage = options.storage;
    this.#events = options.events;
    this.#name = options.controllerName ?? SOURCE_CONTROLLER_NAME;
    this.#indexCache = options.indexCache;
    this.#cacheRecorder = options.cacheRecorder;
    this.#steps = new SourceSteps(options.storage);
    this.#skeleton = sourceReconciler<HelmRepository, HelmRepositoryRun>(options, this.#steps, {
      kind: SourceKind.HelmRepository,
      conditions: HELM_REPOSITORY_CONDITIONS,
      newState: () => ({}),
      reconcileStorage: (run) => this.#steps.reconcileStorage(run, INDEX_LINK),
      reconcileSource: (run) => this.#reconcileSource(run),
      reconcileArtifact: (run) => this.#reconcileArtifact(run),
      interval: (obj) => parseDuration(obj.spec.interval ?? HELM_REPOSITORY_DEFAULT_INTERVAL),
      finalize: async (run) => {
        await this.#steps.finalize(run, SourceKind.HelmRepository);
        this.#cacheRecorder?.deleteCacheEvents(run.obj.metadata.name ?? "", run.obj.metadata.namespace ?? "");
      },
      announce: (run) => {
        const message = (a: Artifact) =>
          `stored fetched index of ${a.size !== undefined ? `size ${humanSize(a.size)}` : "unknown size"} from '${safeUrl(run.obj.spec.url)}'`;
        this.#steps.announceArtifact(run, message, HELM_REPOSITORY_CONDITIONS.fail);
      },
    });
  }

  /**
   * Runs one reconcile of `obj` (a private copy from the cache); see the class comment. A `type: oci`
   * repository is static and never goes through the skeleton.
   */
  reconcile(obj: HelmRepository, ctx: ReconcileContext): Promise<ReconcileResult> {
    if (isOciHelmRepository(obj)) {
      obj.kind ||= SourceKind.HelmRepository;
      obj.apiVersion ||= SOURCE_API_VERSION;
      const patcher = new StatusPatcher<HelmRepository>(this.#client, obj, {
        fieldManager: this.#name,
        ownedConditions: HELM_REPOSITORY_CONDITIONS.owned,
        onWrite: ctx.observeWrite,
      });
      return this.#migrateToStatic(obj, patcher, ctx.log);
    }
    return this.#skeleton.reconcile(obj, ctx);
  }

  /** URL, credentials, the index download, the revision and (when new) the parsed index. */
  async #reconcileSource(run: ReconcileRun<HelmRepository, HelmRepositoryRun>): Promise<void> {
    const { obj } = run;
    let url: URL;
    try {
      if (obj.spec.url.startsWith("oci://")) {
        throw new Error("'oci' URL scheme cannot be used with 'default' HelmRepository type");
      }
      url = indexUrl(obj.spec.url);
      if (url.protocol !== "http:" && url.protocol !== "https:") {
        throw new Error(`scheme "${url.protocol.replace(/:$/, "")}" not supported`);
      }
    } catch (err: unknown) {
      throw fetchStalled(obj, SourceReason.URLInvalid, `invalid Helm repository URL: ${errorMessage(err)}`, err);
    }

    const options = await this.#clientOptions(obj, run.ctx);
    let data: Buffer;
    try {
      data = await fetchIndex(url, options);
    } catch (err: unknown) {
      throw fetchFailed(
        obj,
        Reason.Failed,
        `failed to fetch Helm repository index: failed to cache index to temporary file: ${errorMessage(err)}`,
        err,
      );
    }
    const algorithm = this.#storage.digestAlgorithm;
    const revision = `${algorithm}:${createHash(algorithm).update(data).digest("hex")}`;

    const current = obj.status?.artifact;
    if (current && current.revision === revision) {
      deleteCondition(obj, SourceCondition.FetchFailed);
      run.state.source = { revision, target: current, index: undefined };
      return;
    }

    let index: IndexFile;
    try {
      index = parseIndex(data);
    } catch (err: unknown) {
      throw fetchFailed(
        obj,
        SourceReason.IndexationFailed,
        `failed to load Helm repository from index YAML: failed to load index: ${errorMessage(err)}`,
        err,
      );
    }
    deleteCondition(obj, SourceCondition.FetchFailed);

    await markBuilding(run, `new index revision '${revision}'`, !!current);

    const fileName = `index-${revision.slice(algorithm.length + 1)}.yaml`;
    const target = this.#steps.targetFor(obj, SourceKind.HelmRepository, revision, fileName);
    run.state.source = { revision, target, index };
  }

  /**
   * The fetch options: basic auth from `secretRef`, TLS from `certSecretRef` (or, deprecated, from
   * `secretRef`), `passCredentials` and `timeout` (AuthenticationFailed when a Secret is unusable).
   */
  async #clientOptions(obj: HelmRepository, ctx: ReconcileContext): Promise<IndexFetchOptions> {
    let creds: RepositoryCredentials;
    try {
      creds = await readRepositoryCredentials(this.#client, obj);
    } catch (err: unknown) {
      if (!(err instanceof RepositoryCredentialsError)) throw err;
      throw fetchFailed(obj, SourceReason.AuthenticationFailed, err.message, err.cause);
    }
    if (creds.tlsFromSecretRef) {
      ctx.log.info(
        "warning: specifying TLS authentication data via `.spec.secretRef` is deprecated, please use `.spec.certSecretRef` instead",
      );
    }
    return fetchOptionsOf(creds, ctx.signal);
  }

  /** Writes the normalized index and the `index.yaml` link; ArtifactInStorage once the revision is stored. */
  async #reconcileArtifact(run: ReconcileRun<HelmRepository, HelmRepositoryRun>): Promise<void> {
    const { obj, log } = run;
    const state = run.state.source;
    if (!state) throw new Error("reconcileArtifact: the source step left no revision");
    obj.status ??= {};
    const status = obj.status;
    const stored = `stored artifact: revision '${state.revision}'`;
    const index = state.index;
    if (index === undefined) {
      if (status.artifact) this.#indexCache?.touch(status.artifact.path);
      markStored(obj, stored);
      reportUpToDate(run, state.revision);
      return;
    }

    const artifact = await storeArtifact(obj, "save artifact", () =>
      this.#storage.writeFile(state.target, indexToJson(index), 0o644),
    );
    status.artifact = artifact;
    // Keyed by artifact path (<kind>/<namespace>/<name>/<file>), which no other object can claim.
    if (this.#indexCache && !this.#indexCache.set(artifact.path, index)) {
      const message = "failed to cache index: Cache is full";
      log.info(message);
      run.event("trace", SourceReason.CacheOperationFailed, message);
    }
    await this.#steps.linkArtifact(run, artifact, INDEX_LINK);
    markStored(obj, stored);
  }

  /**
   * `type: oci` (Flux's migrationToStatic): a repository that still has the finalizer or any status (e.g. it
   * was `default` before) loses its storage, finalizer and whole status; a suspended one is left alone.
   */
  async #migrateToStatic(
    obj: HelmRepository,
    patcher: StatusPatcher<HelmRepository>,
    log: Logger,
  ): Promise<ReconcileResult> {
    if (obj.spec.suspend && !obj.metadata.deletionTimestamp) return {};
    const hasFinalizer = (obj.metadata.finalizers ?? []).includes(FINALIZER);
    if (!hasFinalizer && !hasStatus(obj)) return {};
    const events = this.#events;
    await this.#steps.finalize(
      {
        obj,
        log,
        event: (severity, reason, message) => void events?.event(obj, { severity, reason, message }),
      },
      SourceKind.HelmRepository,
    );
    obj.metadata.finalizers = (obj.metadata.finalizers ?? []).filter((f) => f !== FINALIZER);
    obj.status = {};
    await patcher.patch(obj, { ignoreNotFound: true });
    return {};
  }
}

/** Whether any status field Flux looks at is set (observedGeneration, conditions, url, artifact, …). */
function hasStatus(obj: HelmRepository): boolean {
  const s = obj.status;
  if (!s) return false;
  return (
    (s.observedGeneration ?? 0) !== 0 ||
    s.conditions !== undefined ||
    (s.url ?? "") !== "" ||
    s.artifact !== undefined ||
    (s.lastHandledReconcileAt ?? "") !== ""
  );
}

/** `url` without user info (messages and events never carry credentials). */
function safeUrl(url: string): string {
  if (!/^[a-z][a-z0-9+.-]*:\/\/[^/]*@/i.test(url)) return url;
  try {
    return redactUrl(url);
  } catch {
    return url.replace(/\/\/[^@/]*@/, "//");
  }
}
