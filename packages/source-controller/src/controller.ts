// createSourceController: the source-controller as a unit that runs in-process (for `sluice up` and tests)
// or as its own process (main.ts): a Manager with the GitRepository, HelmRepository, HelmChart, OCIRepository and Bucket controllers, the artifact storage and the
// HTTP file server that serves it.

import type { AddressInfo } from "node:net";
import { resolve } from "node:path";
import {
  type Bucket,
  type GitRepository,
  type HelmChart,
  type HelmRepository,
  type OCIRepository,
  SOURCE_API_VERSION,
  SOURCE_GROUP,
  SourceKind,
} from "@sluice/api";
import { Controller, type ControllerOptions } from "@sluice/runtime/controller";
import { EventRecorder } from "@sluice/runtime/events";
import type { ApiObject } from "@sluice/runtime/kube";
import {
  type ControllerManagerOptions,
  controllerQueueSettings,
  createControllerManager,
  type Manager,
} from "@sluice/runtime/manager";
import { BucketReconciler } from "./bucket/reconciler.js";
import { GitRepositoryReconciler, SOURCE_CONTROLLER_NAME } from "./gitrepository/reconciler.js";
import { HelmChartReconciler } from "./helmchart/reconciler.js";
import { watchHelmChartSources } from "./helmchart/source-watch.js";
import { HelmRepositoryReconciler } from "./helmrepository/reconciler.js";
import { LabelSelectedCache, validateLabelSelector } from "./internal/cache/index.js";
import { CacheRecorder, HelmIndexCache } from "./internal/helm/index.js";
import {
  ArtifactFileServer,
  ArtifactStorage,
  advertisedAddress,
  joinHostPort,
  parseListenAddress,
} from "./internal/storage/index.js";
import { OCIRepositoryReconciler } from "./ocirepository/reconciler.js";

/** Default `--storage-addr`. */
export const DEFAULT_STORAGE_ADDR = ":9090";
/** Default `--concurrent`. */
export const DEFAULT_CONCURRENCY = 2;
/** Default `--helm-cache-ttl`. */
export const DEFAULT_HELM_CACHE_TTL_MS = 15 * 60_000;
/** Default `--helm-cache-purge-interval`. */
export const DEFAULT_HELM_CACHE_PURGE_INTERVAL_MS = 60_000;
/** Default name of the leader election Lease. */
export const DEFAULT_LEADER_ELECTION_ID = "source-controller-leader-election";

/**
 * Options of {@link createSourceController}: the runtime's controller options (kubeconfig or client, the
 * shared flags) and source-controller's own; each names the Flux flag it mirrors.
 */
export interface SourceControllerOptions extends ControllerManagerOptions {
  /** `--storage-path`: directory of the artifacts. */
  storagePath: string;
  /** `--storage-addr`: where the artifact file server listens (default `:9090`; port 0 picks a free port). */
  storageAddr?: string | undefined;
  /** `--storage-adv-addr`: the host[:port] artifact URLs advertise (default derived from the bound address). */
  storageAdvAddr?: string | undefined;
  /** `--artifact-retention-ttl` in milliseconds (default 60 s). */
  artifactRetentionTtlMs?: number | undefined;
  /** `--artifact-retention-records` (default 2). */
  artifactRetentionRecords?: number | undefined;
  /** `--requeue-dependency` in milliseconds (default 30 s). */
  requeueDependencyMs?: number | undefined;
  /**
   * `--watch-label-selector`: reconcile only sources (GitRepositories, HelmRepositories) whose labels match (e.g.
   * `sharding.fluxcd.io/key=shard1`); the others are never listed, cached or reconciled by this instance.
   */
  watchLabelSelector?: string | undefined;
  /** `--helm-cache-max-size`: indexes kept in memory for HelmCharts (default 0: no cache). */
  helmCacheMaxSize?: number | undefined;
  /** `--helm-cache-ttl` in milliseconds (default 15 m). */
  helmCacheTtlMs?: number | undefined;
  /** `--helm-cache-purge-interval` in milliseconds (default 1 m). */
  helmCachePurgeIntervalMs?: number | undefined;
}

/** A running (or startable) source-controller. */
export interface SourceController {
  /** The manager (client, cache, metrics, probes). */
  readonly manager: Manager;
  /**
   * Binds the artifact file server and runs the manager until `signal` aborts (then drains and resolves)
   * or the manager fails (then rejects, e.g. when leadership is lost). Resolves once everything stopped.
   */
  start(signal: AbortSignal): Promise<void>;
  /** Stops a controller started with {@link start} and waits until it has stopped. */
  stop(): Promise<void>;
  /** Resolves with the file server's bound address and the advertised address once it listens. */
  ready(): Promise<{ storageAddress: AddressInfo; advertisedAddress: string }>;
  /** The artifact storage (available once {@link ready} resolved). */
  readonly storage: ArtifactStorage | undefined;
}

/**
 * Creates the source-controller: a {@link Manager} (metrics, health probes, leader election) running the
 * GitRepository, HelmRepository, HelmChart, OCIRepository and Bucket controllers with `--concurrent` workers each, an {@link ArtifactStorage} at `--storage-path`,
 * and the {@link ArtifactFileServer} serving it on `--storage-addr`, with artifact URLs advertising
 * `--storage-adv-addr` (or the bound address). Events go to Kubernetes and, with `eventsAddr`, to
 * notification-controller.
 */
export function createSourceController(options: SourceControllerOptions): SourceController {
  const { manager, logger } = createControllerManager("createSourceController", options, DEFAULT_LEADER_ELECTION_ID);
  const labelSelector = options.watchLabelSelector ? validateLabelSelector(options.watchLabelSelector) : undefined;
  const storagePath = resolve(options.storagePath);
  const fileServer = new ArtifactFileServer({
    root: storagePath,
    onError: (err, path) => logger.error({ error: err, path }, "artifact file server error"),
  });
  // Registered whether or not there is a cache, as Flux does; it moves only with --helm-cache-max-size > 0.
  const cacheRecorder = new CacheRecorder(manager.metrics);
  const indexCache =
    (options.helmCacheMaxSize ?? 0) > 0
      ? new HelmIndexCache(
          options.helmCacheMaxSize!,
          options.helmCacheTtlMs ?? DEFAULT_HELM_CACHE_TTL_MS,
          options.helmCachePurgeIntervalMs ?? DEFAULT_HELM_CACHE_PURGE_INTERVAL_MS,
        )
      : undefined;
  if (!indexCache) logger.info("caching of Helm index files is disabled");
  const events = new EventRecorder({
    reportingController: SOURCE_CONTROLLER_NAME,
    group: SOURCE_GROUP,
    client: manager.client,
    eventsAddr: options.eventsAddr,
    logger,
  });

  let storage: ArtifactStorage | undefined;
  let running: Promise<void> | undefined;
  let abort: AbortController | undefined;
  let markReady!: (value: { storageAddress: AddressInfo; advertisedAddress: string }) => void;
  let markFailed!: (err: unknown) => void;
  const readyPromise = new Promise<{ storageAddress: AddressInfo; advertisedAddress: string }>((res, rej) => {
    markReady = res;
    markFailed = rej;
  });
  readyPromise.catch(() => undefined);

  const run = async (signal: AbortSignal): Promise<void> => {
    const storageAddr = options.storageAddr ?? DEFAULT_STORAGE_ADDR;
    const listen = parseListenAddress(storageAddr);
    const bound = await fileServer.listen(storageAddr);
    try {
      const advertised = advertisedAddress(joinHostPort(listen.host, bound.port), options.storageAdvAddr);
      storage = new ArtifactStorage({
        basePath: storagePath,
        hostname: advertised,
        ...(options.artifactRetentionTtlMs !== undefined ? { retentionTtlMs: options.artifactRetentionTtlMs } : {}),
        ...(options.artifactRetentionRecords !== undefined
          ? { retentionRecords: options.artifactRetentionRecords }
          : {}),
      });
      await storage.init();
      const common = controllerQueueSettings(options, DEFAULT_CONCURRENCY);
      const register = <T extends ApiObject>(
        controllerOptions: Omit<ControllerOptions<T>, "cache" | "metrics" | "logger">,
      ): Controller<T> => {
        if (labelSelector) {
          const cache = new LabelSelectedCache(manager.client, manager.cache, labelSelector, [controllerOptions.for]);
          const controller = new Controller<T>({ ...controllerOptions, cache, metrics: manager.metrics, logger });
          manager.add(controller);
          return controller;
        }
        return manager.controller<T>(controllerOptions);
      };
      register<GitRepository>({
        name: "gitrepository",
        for: { apiVersion: SOURCE_API_VERSION, kind: SourceKind.GitRepository },
        reconciler: new GitRepositoryReconciler({
          client: manager.client,
          storage,
          events,
          dependencyRequeueMs: options.requeueDependencyMs,
        }),
        ...common,
      });
      register<HelmRepository>({
        name: "helmrepository",
        for: { apiVersion: SOURCE_API_VERSION, kind: SourceKind.HelmRepository },
        reconciler: new HelmRepositoryReconciler({
          client: manager.client,
          storage,
          events,
          indexCache,
          cacheRecorder,
        }),
        ...common,
      });
      const helmCharts = register<HelmChart>({
        name: "helmchart",
        for: { apiVersion: SOURCE_API_VERSION, kind: SourceKind.HelmChart },
        reconciler: new HelmChartReconciler({
          client: manager.client,
          storage,
          events,
          dependencyRequeueMs: options.requeueDependencyMs,
          indexCache,
          cacheRecorder,
        }),
        ...common,
      });
      watchHelmChartSources(helmCharts);
      register<OCIRepository>({
        name: "ocirepository",
        for: { apiVersion: SOURCE_API_VERSION, kind: SourceKind.OCIRepository },
        reconciler: new OCIRepositoryReconciler({ client: manager.client, storage, events }),
        ...common,
      });
      register<Bucket>({
        name: "bucket",
        for: { apiVersion: SOURCE_API_VERSION, kind: SourceKind.Bucket },
        reconciler: new BucketReconciler({ client: manager.client, storage, events }),
        ...common,
      });
      logger.info({ address: storageAddr, advertised }, "artifact file server listening");
      markReady({ storageAddress: bound, advertisedAddress: advertised });
      await manager.start(signal);
    } finally {
      indexCache?.close();
      await fileServer.close();
    }
  };

  return {
    manager,
    get storage() {
      return storage;
    },
    start(signal: AbortSignal): Promise<void> {
      if (running) throw new Error("source-controller already started");
      abort = new AbortController();
      const combined = AbortSignal.any([signal, abort.signal]);
      running = run(combined).catch((err: unknown) => {
        markFailed(err);
        throw err;
      });
      return running;
    },
    async stop(): Promise<void> {
      abort?.abort(new Error("source-controller stopped"));
      await running?.catch(() => undefined);
    },
    ready: () => readyPromise,
  };
}
