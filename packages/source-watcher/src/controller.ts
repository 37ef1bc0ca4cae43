// createSourceWatcher: Flux's source-watcher as a unit that runs in-process (`sluice up`, tests) or as its own
// process (main.ts): a Manager with the ArtifactGenerator controller, its artifact storage and the HTTP file
// server the generated ExternalArtifacts' URLs point at.

import type { AddressInfo } from "node:net";
import { resolve } from "node:path";
import {
  ARTIFACT_GENERATOR_SOURCE_KINDS,
  type ArtifactGenerator,
  SOURCE_API_VERSION,
  SOURCE_EXTENSIONS_API_VERSION,
  SOURCE_EXTENSIONS_GROUP,
} from "@sluice/api";
import {
  type Controller,
  type ControllerManagerOptions,
  controllerQueueSettings,
  createControllerManager,
  EventRecorder,
  type Manager,
  type UnstructuredObject,
  type UpdatePredicate,
} from "@sluice/runtime";
import {
  ArtifactFileServer,
  ArtifactStorage,
  advertisedAddress,
  joinHostPort,
  parseListenAddress,
} from "@sluice/source-controller/storage";
import { ArtifactGeneratorReconciler, SOURCE_WATCHER_NAME } from "./artifactgenerator/reconciler.js";

/** Default `--storage-addr`. */
export const DEFAULT_STORAGE_ADDR = ":9090";
/** Default `--concurrent` (Flux: 10). */
export const DEFAULT_CONCURRENCY = 10;
/** Default name of the leader election Lease. */
export const DEFAULT_LEADER_ELECTION_ID = "source-watcher-leader-election";
/** Name of the ArtifactGenerator informer index by source (`Kind/namespace/name`). */
export const SOURCES_INDEX = "spec.sources";

/** Options of {@link createSourceWatcher}; each names the Flux flag it mirrors. */
export interface SourceWatcherOptions extends ControllerManagerOptions {
  /** `--storage-path`: directory of the generated artifacts. */
  storagePath: string;
  /** `--storage-addr`: where the artifact file server listens (default `:9090`; port 0 picks a free port). */
  storageAddr?: string | undefined;
  /** `--storage-adv-addr`: the host[:port] artifact URLs advertise (default derived from the bound address). */
  storageAdvAddr?: string | undefined;
  /** `--artifact-retention-ttl` in milliseconds (default 60 s). */
  artifactRetentionTtlMs?: number | undefined;
  /** `--artifact-retention-records` (default 2). */
  artifactRetentionRecords?: number | undefined;
  /** `--no-cross-namespace-refs`. */
  noCrossNamespaceRefs?: boolean | undefined;
  /** `--requeue-dependency` in milliseconds (default 5 s). */
  requeueDependencyMs?: number | undefined;
  /** `--http-retry` (default 9). */
  artifactFetchRetries?: number | undefined;
  /** `SOURCE_CONTROLLER_LOCALHOST`. */
  artifactHostOverride?: string | undefined;
}

/** A running (or startable) source-watcher. */
export interface SourceWatcher {
  readonly manager: Manager;
  /** Binds the file server and runs until `signal` aborts (resolves after draining) or the manager fails. */
  start(signal: AbortSignal): Promise<void>;
  /** Stops a watcher started with {@link start} and waits until it has stopped. */
  stop(): Promise<void>;
  /** Resolves with the file server's bound and advertised addresses once it listens. */
  ready(): Promise<{ storageAddress: AddressInfo; advertisedAddress: string }>;
}

type SourceObject = UnstructuredObject & { status?: { artifact?: { revision?: string; digest?: string } } };

/** A source got a new artifact (digest or revision): the generators reading it must run. */
const artifactChanged: UpdatePredicate<SourceObject> = (old, obj) => {
  const a = old.status?.artifact;
  const b = obj.status?.artifact;
  if (!b) return false;
  return a?.revision !== b.revision || a?.digest !== b.digest;
};

/**
 * Creates the source-watcher: a {@link Manager} running the ArtifactGenerator controller (`--concurrent` workers),
 * an artifact storage at `--storage-path` served on `--storage-addr`. ArtifactGenerators are indexed by the
 * sources they read, and GitRepositories, OCIRepositories, Buckets, HelmCharts and ExternalArtifacts are watched
 * so a new artifact regenerates at once.
 */
export function createSourceWatcher(options: SourceWatcherOptions): SourceWatcher {
  const { manager, logger } = createControllerManager("createSourceWatcher", options, DEFAULT_LEADER_ELECTION_ID);
  const storagePath = resolve(options.storagePath);
  const fileServer = new ArtifactFileServer({
    root: storagePath,
    onError: (err, path) => logger.error({ error: err, path }, "artifact file server error"),
  });
  const events = new EventRecorder({
    reportingController: SOURCE_WATCHER_NAME,
    group: SOURCE_EXTENSIONS_GROUP,
    client: manager.client,
    eventsAddr: options.eventsAddr,
    logger,
  });

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
      const storage = new ArtifactStorage({
        basePath: storagePath,
        hostname: advertised,
        ...(options.artifactRetentionTtlMs !== undefined ? { retentionTtlMs: options.artifactRetentionTtlMs } : {}),
        ...(options.artifactRetentionRecords !== undefined
          ? { retentionRecords: options.artifactRetentionRecords }
          : {}),
      });
      await storage.init();
      const controller: Controller<ArtifactGenerator> = manager.controller<ArtifactGenerator>({
        name: "artifactgenerator",
        for: { apiVersion: SOURCE_EXTENSIONS_API_VERSION, kind: "ArtifactGenerator" },
        reconciler: new ArtifactGeneratorReconciler({
          client: manager.client,
          storage,
          events,
          noCrossNamespaceRefs: options.noCrossNamespaceRefs,
          dependencyRequeueMs: options.requeueDependencyMs,
          artifactFetchRetries: options.artifactFetchRetries,
          artifactHostOverride: options.artifactHostOverride,
        }),
        ...controllerQueueSettings(options, DEFAULT_CONCURRENCY),
      });
      controller.informer.addIndex(SOURCES_INDEX, (g) =>
        g.spec.sources.map((s) => `${s.kind}/${s.namespace || g.metadata.namespace}/${s.name}`),
      );
      for (const kind of ARTIFACT_GENERATOR_SOURCE_KINDS) {
        controller.watches<SourceObject>(
          SOURCE_API_VERSION,
          kind,
          (source, primary) =>
            primary
              .byIndex(SOURCES_INDEX, `${kind}/${source.metadata.namespace}/${source.metadata.name}`)
              .map((g) => `${g.metadata.namespace}/${g.metadata.name}`),
          { predicate: artifactChanged },
        );
      }
      logger.info({ address: storageAddr, advertised }, "artifact file server listening");
      markReady({ storageAddress: bound, advertisedAddress: advertised });
      await manager.start(signal);
    } finally {
      await fileServer.close();
    }
  };

  return {
    manager,
    start(signal: AbortSignal): Promise<void> {
      if (running) throw new Error("source-watcher already started");
      abort = new AbortController();
      running = run(AbortSignal.any([signal, abort.signal])).catch((err: unknown) => {
        markFailed(err);
        throw err;
      });
      return running;
    },
    async stop(): Promise<void> {
      abort?.abort(new Error("source-watcher stopped"));
      await running?.catch(() => undefined);
    },
    ready: () => readyPromise,
  };
}
