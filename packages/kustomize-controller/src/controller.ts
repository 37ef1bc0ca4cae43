// createKustomizeController: the kustomize-controller as a unit that runs in-process (for `sluice up` and
// tests) or as its own process (main.ts): a Manager with the Kustomization controller, its source index and
// the source watches that trigger Kustomizations on a new artifact.

import { KUSTOMIZE_API_VERSION, KUSTOMIZE_GROUP, type Kustomization, SOURCE_API_VERSION } from "@sluice/api";
import type { Controller, UpdatePredicate } from "@sluice/runtime/controller";
import { EventRecorder } from "@sluice/runtime/events";
import type { UnstructuredObject } from "@sluice/runtime/kube";
import {
  type ControllerManagerOptions,
  controllerQueueSettings,
  createControllerManager,
  type Manager,
} from "@sluice/runtime/manager";
import {
  KUSTOMIZE_CONTROLLER_NAME,
  KustomizationReconciler,
  type KustomizationReconcilerOptions,
} from "./kustomization/reconciler.js";
import {
  type ArtifactSource,
  type CachedSourceReader,
  SOURCE_KINDS_WITH_EXTERNAL_ARTIFACT,
  sourceIndexKey,
  sourceNamespace,
  WATCHED_SOURCE_KINDS,
} from "./kustomization/source.js";

/** Default `--concurrent`. */
export const DEFAULT_CONCURRENCY = 4;
/** Default name of the leader election Lease. */
export const DEFAULT_LEADER_ELECTION_ID = "kustomize-controller-leader-election";
/** Name of the Kustomization informer index by source (`Kind/namespace/name`). */
export const SOURCE_INDEX = "spec.sourceRef";

/**
 * Options of {@link createKustomizeController}: the runtime's controller options (kubeconfig or client, the
 * shared flags) and the Kustomization reconciler's; each names the Flux flag it mirrors.
 */
export interface KustomizeControllerOptions
  extends ControllerManagerOptions,
    Omit<KustomizationReconcilerOptions, "client" | "events" | "fieldManager"> {}

/** A running (or startable) kustomize-controller. */
export interface KustomizeController {
  readonly manager: Manager;
  /** The Kustomization controller (its informer and queue). */
  readonly controller: Controller<Kustomization>;
  /** Runs until `signal` aborts (resolves after draining) or the manager fails (rejects). */
  start(signal: AbortSignal): Promise<void>;
  /** Stops a controller started with {@link start} and waits until it has stopped. */
  stop(): Promise<void>;
}

/** A watched source object. */
type SourceObject = UnstructuredObject & Pick<ArtifactSource, "status">;

/** A new artifact (revision or digest) on a source: its Kustomizations must run now. */
export const artifactChanged: UpdatePredicate<SourceObject> = (old, obj) => {
  const a = old.status?.artifact;
  const b = obj.status?.artifact;
  if (!b) return false;
  return a?.revision !== b.revision || a?.digest !== b.digest;
};

/**
 * Creates the kustomize-controller: a {@link Manager} (metrics, probes, leader election) running the
 * Kustomization controller with `--concurrent` workers. Kustomizations are indexed by `spec.sourceRef`, and
 * GitRepositories, OCIRepositories, Buckets (and ExternalArtifacts, with that feature gate) are watched so a new artifact enqueues their Kustomizations
 * at once. Events go to Kubernetes and, with `eventsAddr`, to notification-controller.
 */
export function createKustomizeController(options: KustomizeControllerOptions): KustomizeController {
  const { manager, logger } = createControllerManager("createKustomizeController", options, DEFAULT_LEADER_ELECTION_ID);
  const events = new EventRecorder({
    reportingController: KUSTOMIZE_CONTROLLER_NAME,
    group: KUSTOMIZE_GROUP,
    client: manager.client,
    eventsAddr: options.eventsAddr,
    logger,
  });
  const sourceKinds: readonly string[] = options.allowExternalArtifact
    ? SOURCE_KINDS_WITH_EXTERNAL_ARTIFACT
    : WATCHED_SOURCE_KINDS;
  // Sources are read from the informers the watches below start (as Flux's cached client reads them), for
  // the kinds and the namespace they cover, once synced; anything else is a GET.
  const sourceCache: CachedSourceReader = (apiVersion, kind, namespace, name) => {
    if (apiVersion !== SOURCE_API_VERSION || !sourceKinds.includes(kind)) return undefined;
    if (options.watchNamespace && namespace !== options.watchNamespace) return undefined;
    const informer = manager.cache.informerFor<SourceObject>(apiVersion, kind);
    return informer.hasSynced() ? { found: informer.get({ namespace, name }) } : undefined;
  };
  const reconciler = new KustomizationReconciler({ ...options, client: manager.client, events, sourceCache });
  const controller = manager.controller<Kustomization>({
    name: "kustomization",
    for: { apiVersion: KUSTOMIZE_API_VERSION, kind: "Kustomization" },
    reconciler,
    ...controllerQueueSettings(options, DEFAULT_CONCURRENCY),
  });
  controller.informer.addIndex(SOURCE_INDEX, (k) => [
    sourceIndexKey(k.spec.sourceRef.kind, sourceNamespace(k), k.spec.sourceRef.name),
  ]);
  // ExternalArtifacts are watched only with their feature gate on (as Flux: no RBAC needed otherwise).
  for (const kind of sourceKinds) {
    controller.watches<SourceObject>(
      SOURCE_API_VERSION,
      kind,
      (source, primary) => {
        const namespace = source.metadata.namespace ?? "";
        const name = source.metadata.name ?? "";
        const keys = primary
          .byIndex(SOURCE_INDEX, sourceIndexKey(kind, namespace, name))
          .map((k) => `${k.metadata.namespace}/${k.metadata.name}`);
        // A new artifact interrupts health checks still waiting on the previous revision.
        if (source.status?.artifact)
          for (const key of keys) reconciler.cancelHealthCheck(key, { kind, namespace, name });
        return keys;
      },
      { predicate: artifactChanged },
    );
  }

  let running: Promise<void> | undefined;
  let abort: AbortController | undefined;
  return {
    manager,
    controller,
    start(signal: AbortSignal): Promise<void> {
      if (running) throw new Error("kustomize-controller already started");
      abort = new AbortController();
      const combined = AbortSignal.any([signal, abort.signal]);
      combined.addEventListener("abort", () => reconciler.abortHealthChecks("kustomize-controller is shutting down"), {
        once: true,
      });
      // Once drained, the extracted artifacts the runs shared are removed.
      running = manager.start(combined).finally(() => reconciler.close());
      return running;
    },
    async stop(): Promise<void> {
      abort?.abort(new Error("kustomize-controller stopped"));
      await running?.catch(() => undefined);
    },
  };
}
