// The HelmChart reconciler (source.toolkit.fluxcd.io/v1): builds a chart package from a HelmRepository
// (HTTP index or OCI registry), or from a chart path inside a GitRepository/Bucket artifact, and stores it
// as `<chart>-<version>.tgz` with Flux's revision, conditions, reasons, messages and events.

import { createReadStream } from "node:fs";
import { mkdir, readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  type Artifact,
  type GitRepository,
  type HelmChart,
  HelmChartSourceKind,
  type HelmChartSourceKindName,
  type HelmRepository,
  helmChartVersionMetadata,
  isOciHelmRepository,
  parseDuration,
  Reason,
  SOURCE_API_VERSION,
  SourceCondition,
  SourceKind,
  SourceReason,
} from "@sluice/api";
import { credentialsFor, OciClient, parseOciUrl } from "@sluice/oci";
import { extractTarball } from "@sluice/runtime/artifact";
import { deleteCondition, getCondition, markFalse, markTrue } from "@sluice/runtime/conditions";
import type { ReconcileContext, ReconcileResult, Reconciler } from "@sluice/runtime/controller";
import { errorMessage, GenericReconcileError, StallingError, WaitingError } from "@sluice/runtime/errors";
import { isNotFound, type KubeClient } from "@sluice/runtime/kube";
import type { ReconcileRun, StepReconciler } from "@sluice/runtime/reconcile";
import {
  BuildErrorReasons,
  buildLocalChart,
  buildRemoteChart,
  buildSummary,
  type ChartBuild,
  ChartBuildError,
  type ChartBuildOptions,
  type ChartDownloader,
  effectiveValuesFiles,
  emptyBuild,
  type HelmHome,
  IndexChartDownloader,
  isComplete,
  isPersistentBuildError,
  OciChartDownloader,
  reasonForBuild,
} from "../internal/chart/index.js";
import { type CacheRecorder, type HelmIndexCache, type IndexFile, parseIndex } from "../internal/helm/index.js";
import {
  fetchOptionsOf,
  normalizeRepositoryUrl,
  readRepositoryCredentials,
} from "../internal/helm/repository-credentials.js";
import {
  fetchStalled,
  LATEST_LINK,
  markStored,
  reportUpToDate,
  type SourceReconcilerOptions,
  SourceSteps,
  setOrDelete,
  sourceReconciler,
  storeArtifact,
  workDirectory,
} from "../internal/reconcile/index.js";
import type { ArtifactStorage } from "../internal/storage/index.js";
import { HELM_CHART_CONDITIONS } from "./conditions.js";
import { writeDependencyRepositories } from "./dependency-repositories.js";
import { observeBuildConditions } from "./observe-build.js";

/** The HelmChart interval when unset (the CRD requires one; Flux's default for sources). */
const DEFAULT_INTERVAL = "10m";
/** Default wait before re-checking a source without an artifact (`--requeue-dependency`). */
const DEFAULT_DEPENDENCY_REQUEUE_MS = 30_000;

/** Options of {@link HelmChartReconciler}. */
export interface HelmChartReconcilerOptions extends SourceReconcilerOptions {
  /** `--requeue-dependency` in milliseconds: retry delay while the source has no artifact (default 30 s). */
  dependencyRequeueMs?: number | undefined;
  /** Parent of the temporary build directories (default the OS temp dir). */
  workDir?: string | undefined;
  /** The Helm index cache (`--helm-cache-max-size` > 0), shared with the HelmRepository reconciler. */
  indexCache?: HelmIndexCache | undefined;
  /** `gotk_cache_events_total`: a hit or miss per index lookup in {@link indexCache}. */
  cacheRecorder?: CacheRecorder | undefined;
}

/** A source a HelmChart can point at. */
type ChartSource =
  | { kind: typeof HelmChartSourceKind.HelmRepository; obj: HelmRepository }
  | { kind: typeof HelmChartSourceKind.GitRepository | typeof HelmChartSourceKind.Bucket; obj: GitRepository };

/** What one run's steps share: the chart build and its temporary Helm home. */
interface HelmChartRun {
  /** The build's outcome (empty until the source step built or reused a chart). */
  build: ChartBuild;
}

/**
 * Reconciles HelmCharts as Flux's source-controller does, through the runtime's reconcile skeleton
 * (deletion → removes the object's storage directory; finalizer; `spec.suspend`), with these steps:
 *
 * 1. progress: Reconciling/Ready Unknown, persisted at once for a new generation or a requested run;
 * 2. storage: a stored chart missing or failing its digest check is dropped (Reconciling "building
 *    artifact"); artifact URL and `status.url` follow the advertised address;
 * 3. source: the referenced source (FetchFailed SourceUnavailable, retried); no artifact yet → FetchFailed
 *    NoSourceArtifact and a retry after `--requeue-dependency` (a new source artifact triggers at once);
 *    `status.observedSourceArtifactRevision`; then the build:
 *    - HelmRepository `default`: the version chosen from the stored index (`spec.version`, a SemVer range),
 *      the package downloaded with the repository's credentials;
 *    - HelmRepository `oci`: `helm pull oci://<url>/<chart>` with the repository's credentials/TLS/insecure;
 *    - GitRepository/Bucket: the chart at `spec.chart` in the artifact, dependencies built with helm;
 *    with `valuesFiles` merged into values.yaml and the version's build metadata (`+<generation>`,
 *    `+<12 chars of the source revision>` for the Revision strategy) the chart is repackaged. Failures mark
 *    FetchFailed or BuildFailed with Flux's build reasons (InvalidChartReference, ChartPullError,
 *    ValuesFilesError, DependencyBuildError, ChartPackageError, …); reference, metadata and values failures
 *    stall; a chart already stored with the same name and version is not rebuilt (unless the generation
 *    changed). A new chart marks ArtifactOutdated NewChart;
 * 4. artifact: `<chart>-<version>.tgz` at `helmchart/<ns>/<name>/` with revision = the chart version, a
 *    `latest.tar.gz` link in `status.url`, `observedChartName`, `observedValuesFiles`; ArtifactInStorage
 *    ChartPullSucceeded/ChartPackageSucceeded with the build summary.
 *
 * Ready is summarized from those conditions; a new artifact emits ChartPullSucceeded/ChartPackageSucceeded
 * with the revision and digest; old artifacts are garbage collected; the object is requeued after
 * `spec.interval`.
 */
export class HelmChartReconciler implements Reconciler<HelmChart> {
  readonly #client: KubeClient;
  readonly #storage: ArtifactStorage;
  readonly #dependencyRequeueMs: number;
  readonly #workDir: string;
  readonly #indexCache: HelmIndexCache | undefined;
  readonly #cacheRecorder: CacheRecorder | undefined;
  readonly #steps: SourceSteps;
  readonly #skeleton: StepReconciler<HelmChart, HelmChartRun>;

  constructor(options: HelmChartReconcilerOptions) {
    this.#client = options.client;
    this.#storage = options.storage;
    this.#dependencyRequeueMs = options.dependencyRequeueMs ?? DEFAULT_DEPENDENCY_REQUEUE_MS;
    this.#workDir = options.workDir ?? tmpdir();
    this.#indexCache = options.indexCache;
    this.#cacheRecorder = options.cacheRecorder;
    this.#steps = new SourceSteps(options.storage);
    this.#skeleton = sourceReconciler<HelmChart, HelmChartRun>(options, this.#steps, {
      kind: SourceKind.HelmChart,
      conditions: HELM_CHART_CONDITIONS,
      newState: () => ({ build: emptyBuild() }),
      reconcileStorage: (run) => this.#steps.reconcileStorage(run, LATEST_LINK),
      reconcileSource: (run) => this.#reconcileSource(run),
      reconcileArtifact: (run) => this.#reconcileArtifact(run),
      interval: (obj) => parseDuration(obj.spec.interval ?? DEFAULT_INTERVAL),
      finalize: async (run) => {
        await this.#steps.removeObjectStorage(run, SourceKind.HelmChart);
        if (run.obj.status) delete run.obj.status.artifact;
      },
      announce: (run) => {
        // ChartPullSucceeded/ChartPackageSucceeded with the build summary, for a new chart or a recovery.
        const build = run.state.build;
        if (!isComplete(build)) return;
        const reason = reasonForBuild(build);
        const reasons = { newArtifact: reason, recovered: reason };
        this.#steps.announceArtifact(run, () => buildSummary(build), HELM_CHART_CONDITIONS.fail, reasons);
      },
    });
  }

  /** Runs one reconcile of `obj` (a private copy from the cache); see the class comment. */
  reconcile(obj: HelmChart, ctx: ReconcileContext): Promise<ReconcileResult> {
    return this.#skeleton.reconcile(obj, ctx);
  }

  /** The source, its artifact, and the chart build (conditions observed from the build's outcome). */
  async #reconcileSource(run: ReconcileRun<HelmChart, HelmChartRun>): Promise<void> {
    const { obj, ctx } = run;
    const build = run.state.build;
    const home: HelmHome = {
      dir: await workDirectory(run, this.#workDir, `helmchart-${obj.metadata.namespace}-${obj.metadata.name}-`),
    };
    if (getCondition(obj, SourceCondition.SourceVerified)?.status === "False") {
      deleteCondition(obj, SourceCondition.SourceVerified);
    }
    const source = await this.#getSource(obj);
    const artifact = source.obj.status?.artifact;
    const ociRepo = source.kind === HelmChartSourceKind.HelmRepository && isOciHelmRepository(source.obj);
    if (!ociRepo && (!artifact || !(await this.#storage.exists(artifact)))) {
      const message = `no artifact available for ${obj.spec.sourceRef.kind} source '${obj.spec.sourceRef.name}'`;
      markTrue(obj, SourceCondition.FetchFailed, "NoSourceArtifact", message);
      ctx.log.info(message);
      run.event("trace", "NoSourceArtifact", message);
      throw new WaitingError("NoSourceArtifact", message, this.#dependencyRequeueMs);
    }
    obj.status ??= {};
    if (artifact) obj.status.observedSourceArtifactRevision = artifact.revision;

    let error: unknown;
    try {
      if (obj.spec.verify) {
        const e = new StallingError(
          SourceReason.VerificationError,
          `failed to verify the signature using provider '${obj.spec.verify.provider}': signature verification is not supported by this source-controller`,
        );
        markFalse(obj, SourceCondition.SourceVerified, e.reason, e.message);
        throw e;
      }
      if (source.kind === HelmChartSourceKind.HelmRepository) {
        Object.assign(build, await this.#buildFromHelmRepository(obj, source.obj, ctx, home));
      } else {
        Object.assign(build, await this.#buildFromTarball(obj, source.kind, artifact as Artifact, ctx, home));
      }
    } catch (err: unknown) {
      error = err;
    }
    await this.#observeBuild(run, error);
    if (build.resolvedDependencies > 0 && isComplete(build)) {
      run.event("trace", "ResolvedDependencies", `resolved ${build.resolvedDependencies} chart dependencies`);
    }
    if (error === undefined) return;
    if (error instanceof ChartBuildError) {
      throw isPersistentBuildError(error.stage)
        ? new StallingError(error.stage.reason, error.message, { cause: error })
        : new GenericReconcileError(error.stage.reason, error.message, { cause: error });
    }
    throw error;
  }

  /** The referenced source object (SourceUnavailable when it cannot be read). */
  async #getSource(obj: HelmChart): Promise<ChartSource> {
    const kind = obj.spec.sourceRef.kind as HelmChartSourceKindName;
    const known: readonly string[] = Object.values(HelmChartSourceKind);
    if (!known.includes(kind)) {
      const message = `failed to get source: unsupported source kind '${kind}', must be one of: [${known.join(" ")}]`;
      markTrue(obj, SourceCondition.FetchFailed, "SourceUnavailable", message);
      throw new StallingError("UnsupportedSourceKind", message);
    }
    try {
      const found = await this.#client.get<HelmRepository | GitRepository>({
        apiVersion: SOURCE_API_VERSION,
        kind,
        namespace: obj.metadata.namespace ?? "",
        name: obj.spec.sourceRef.name,
      });
      return { kind, obj: found } as ChartSource;
    } catch (err: unknown) {
      const detail = isNotFound(err)
        ? `${kind.toLowerCase()}s.source.toolkit.fluxcd.io "${obj.spec.sourceRef.name}" not found`
        : errorMessage(err);
      const e = new GenericReconcileError("SourceUnavailable", `failed to get source: ${detail}`, { cause: err });
      markTrue(obj, SourceCondition.FetchFailed, e.reason, e.message);
      throw e;
    }
  }

  /**
   * The stored index of `repo`: from the index cache when there is one (a `cache_hit`, extending its TTL),
   * else read from storage (a `cache_miss` when caching, the parsed index then cached), as Flux does.
   */
  async #repositoryIndex(repo: HelmRepository, artifact: Artifact): Promise<IndexFile> {
    const cache = this.#indexCache;
    const name = repo.metadata.name ?? "";
    const namespace = repo.metadata.namespace ?? "";
    const cached = cache?.get(artifact.path);
    if (cache && cached) {
      this.#cacheRecorder?.incCacheEvents("cache_hit", name, namespace);
      cache.touch(artifact.path);
      return cached;
    }
    if (cache) this.#cacheRecorder?.incCacheEvents("cache_miss", name, namespace);
    const index = parseIndex(await readFile(this.#storage.localPath(artifact)));
    cache?.set(artifact.path, index);
    return index;
  }

  /** Builds from a HelmRepository: its index (type default) or its registry (type oci). */
  async #buildFromHelmRepository(
    obj: HelmChart,
    repo: HelmRepository,
    ctx: ReconcileContext,
    home: HelmHome,
  ): Promise<ChartBuild> {
    let url: string;
    try {
      url = normalizeRepositoryUrl(repo.spec.url);
    } catch (err: unknown) {
      throw fetchStalled(obj, SourceReason.URLInvalid, `invalid Helm repository URL: ${errorMessage(err)}`, err);
    }
    let creds: Awaited<ReturnType<typeof readRepositoryCredentials>>;
    try {
      creds = await readRepositoryCredentials(this.#client, repo);
    } catch (err: unknown) {
      const e = new GenericReconcileError(SourceReason.AuthenticationFailed, errorMessage(err), { cause: err });
      markTrue(obj, SourceCondition.FetchFailed, e.reason, e.message);
      throw e;
    }

    let downloader: ChartDownloader;
    if (isOciHelmRepository(repo)) {
      if (!url.startsWith("oci://")) {
        throw fetchStalled(obj, Reason.Failed, `failed to construct Helm client: invalid OCI registry URL: ${url}`);
      }
      let registry: string;
      try {
        registry = parseOciUrl(url).registry;
      } catch (err: unknown) {
        throw fetchStalled(obj, SourceReason.URLInvalid, `invalid Helm repository URL: ${errorMessage(err)}`, err);
      }
      const timeout = AbortSignal.timeout(creds.timeoutMs);
      const client = new OciClient({
        registry,
        plainHttp: repo.spec.insecure === true,
        credentials:
          creds.basicAuth ?? (creds.dockerConfig ? credentialsFor(registry, [creds.dockerConfig]) : undefined),
        tls: {
          ...(creds.caCert ? { ca: creds.caCert } : {}),
          ...(creds.clientCert ? { cert: creds.clientCert.cert, key: creds.clientCert.key } : {}),
        },
        signal: AbortSignal.any([ctx.signal, timeout]),
      });
      downloader = new OciChartDownloader(url, client);
    } else {
      const artifact = repo.status?.artifact as Artifact;
      let index: ReturnType<typeof parseIndex>;
      try {
        index = await this.#repositoryIndex(repo, artifact);
      } catch (err: unknown) {
        throw new ChartBuildError(
          BuildErrorReasons.ChartPull,
          `failed to get chart version for remote reference: ${errorMessage(err)}`,
          { cause: err },
        );
      }
      downloader = new IndexChartDownloader(url, index, fetchOptionsOf(creds, ctx.signal));
    }

    const opts = this.#buildOptions(obj, HelmChartSourceKind.HelmRepository, undefined, home, ctx);
    try {
      return await buildRemoteChart(downloader, obj.spec.chart, obj.spec.version, opts);
    } catch (err: unknown) {
      const text = errorMessage(err);
      const auth = ["401", "unauthorized", "authentication required", "tls", "unknown certificate authority"];
      if (auth.some((s) => text.includes(s))) {
        const e = new GenericReconcileError(
          SourceReason.AuthenticationFailed,
          `failed to authenticate with the Helm repository: ${text}`,
          { cause: err },
        );
        markTrue(obj, SourceCondition.FetchFailed, e.reason, e.message);
        throw e;
      }
      throw err;
    }
  }

  /** Builds from the chart at `spec.chart` inside a GitRepository or Bucket artifact. */
  async #buildFromTarball(
    obj: HelmChart,
    kind: HelmChartSourceKindName,
    source: Artifact,
    ctx: ReconcileContext,
    home: HelmHome,
  ): Promise<ChartBuild> {
    const sourceDir = join(home.dir, "source");
    await mkdir(sourceDir, { mode: 0o700 });
    let stream: ReturnType<typeof createReadStream>;
    try {
      stream = createReadStream(this.#storage.localPath(source));
      await new Promise<void>((resolve, reject) => {
        stream.once("open", () => resolve());
        stream.once("error", reject);
      });
    } catch (err: unknown) {
      const e = new GenericReconcileError(
        SourceReason.ReadOperationFailed,
        `failed to open source artifact: ${errorMessage(err)}`,
        { cause: err },
      );
      markTrue(obj, SourceCondition.FetchFailed, e.reason, e.message);
      throw e;
    }
    try {
      await extractTarball(stream, sourceDir, {
        maxBytes: Number.MAX_SAFE_INTEGER,
        maxEntries: Number.MAX_SAFE_INTEGER,
      });
    } catch (err: unknown) {
      throw new GenericReconcileError(Reason.Failed, `artifact untar error: ${errorMessage(err)}`, { cause: err });
    }
    const opts = this.#buildOptions(obj, kind, source.revision, home, ctx);
    return buildLocalChart({ workDir: sourceDir, path: obj.spec.chart }, opts, (urls) =>
      writeDependencyRepositories(this.#client, obj.metadata.namespace ?? "", urls, home),
    );
  }

  /** The build options: values files, version metadata, the stored chart to reuse, forced on a new generation. */
  #buildOptions(
    obj: HelmChart,
    kind: HelmChartSourceKindName,
    sourceRevision: string | undefined,
    home: HelmHome,
    ctx: ReconcileContext,
  ): ChartBuildOptions {
    const valuesFiles = obj.spec.valuesFiles ?? [];
    let versionMetadata: string;
    try {
      versionMetadata = helmChartVersionMetadata({
        reconcileStrategy: obj.spec.reconcileStrategy,
        sourceKind: kind,
        sourceRevision,
        hasValuesFiles: effectiveValuesFiles(valuesFiles).length > 0,
        generation: obj.metadata.generation ?? 0,
      });
    } catch (err: unknown) {
      throw new ChartBuildError(BuildErrorReasons.ChartMetadataPatch, errorMessage(err), { cause: err });
    }
    const current = obj.status?.artifact;
    return {
      versionMetadata,
      valuesFiles,
      ignoreMissingValuesFiles: obj.spec.ignoreMissingValuesFiles === true,
      cachedChart: current ? this.#storage.localPath(current) : undefined,
      cachedChartValuesFiles: obj.status?.observedValuesFiles,
      force: (obj.metadata.generation ?? 0) !== (obj.status?.observedGeneration ?? 0),
      home,
      signal: ctx.signal,
    };
  }

  /**
   * Flux's observeChartBuild (see {@link observeBuildConditions}); a new chart's progress is persisted at once
   * (a failed patch is only logged).
   */
  async #observeBuild(run: ReconcileRun<HelmChart, HelmChartRun>, error: unknown): Promise<void> {
    if (!observeBuildConditions(run.obj, run.state.build, error)) return;
    try {
      await run.patch();
    } catch (err: unknown) {
      run.log.error({ error: err }, "failed to patch");
    }
  }

  /** Stores the built package (unless it is the stored one) and records it in the status. */
  async #reconcileArtifact(run: ReconcileRun<HelmChart, HelmChartRun>): Promise<void> {
    const { obj } = run;
    const build = run.state.build;
    if (!isComplete(build)) return;
    obj.status ??= {};
    const status = obj.status;
    const markBuilt = () => {
      if (status.observedChartName === build.name && status.artifact?.revision === build.version) {
        markStored(obj, buildSummary(build), reasonForBuild(build));
      }
    };
    const fileName = `${build.name}-${build.version}.tgz`;
    const target = this.#steps.targetFor(obj, SourceKind.HelmChart, build.version, fileName);
    const current = status.artifact;
    if (current && this.#storage.localPath(current) === build.path) {
      reportUpToDate(run, target.revision);
      markBuilt();
      return;
    }
    const artifact = await storeArtifact(obj, "copy Helm chart", () =>
      this.#storage.copyFromPath(target, build.path, 0o644),
    );
    status.artifact = artifact;
    status.observedChartName = build.name;
    setOrDelete(status, "observedValuesFiles", obj.spec.ignoreMissingValuesFiles ? build.valuesFiles : undefined);
    await this.#steps.linkArtifact(run, artifact, LATEST_LINK);
    markBuilt();
  }
}
