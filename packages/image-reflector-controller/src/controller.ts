// createImageReflectorController: the image-reflector-controller as a unit that runs in-process (`sluice up`,
// tests) or as its own process (main.ts): a Manager with the ImageRepository and ImagePolicy controllers
// sharing one tag store.

import { IMAGE_API_VERSION, IMAGE_GROUP, type ImagePolicy, type ImageRepository } from "@sluice/api";
import {
  type ControllerManagerOptions,
  controllerQueueSettings,
  createControllerManager,
  EventRecorder,
  type Manager,
} from "@sluice/runtime";
import { ImagePolicyReconciler } from "./imagepolicy/reconciler.js";
import { IMAGE_REFLECTOR_CONTROLLER_NAME, ImageRepositoryReconciler } from "./imagerepository/reconciler.js";
import { TagStore } from "./storage/tag-store.js";

/** Default `--concurrent`. */
export const DEFAULT_CONCURRENCY = 4;
/** Default name of the leader election Lease. */
export const DEFAULT_LEADER_ELECTION_ID = "image-reflector-controller-leader-election";

/** Options of {@link createImageReflectorController}; each names the Flux flag it mirrors. */
export interface ImageReflectorControllerOptions extends ControllerManagerOptions {
  /** `--storage-path`: the tag database directory. */
  storagePath: string;
  /** `--storage-compression-threshold` in bytes (default 64 KiB). */
  storageCompressionThreshold?: number | undefined;
  /** `--storage-max-tags`: most tags stored per ImageRepository (default 100 000). */
  storageMaxTags?: number | undefined;
  /** `--requeue-dependency` in ms (default 30 s). */
  requeueDependencyMs?: number | undefined;
  /** `--default-service-account` (accepted for cloud providers; unused with `generic`). */
  defaultServiceAccount?: string | undefined;
  /** `--no-cross-namespace-refs`. */
  noCrossNamespaceRefs?: boolean | undefined;
  /** `--watch-label-selector`. */
  watchLabelSelector?: string | undefined;
}

/** A running (or startable) image-reflector-controller. */
export interface ImageReflectorController {
  readonly manager: Manager;
  readonly store: TagStore;
  start(signal: AbortSignal): Promise<void>;
  stop(): Promise<void>;
}

/**
 * Creates the image-reflector-controller: ImageRepositories scanned into a {@link TagStore} under
 * `storagePath`, ImagePolicies reconciled when they change and when their ImageRepository changes.
 */
export function createImageReflectorController(options: ImageReflectorControllerOptions): ImageReflectorController {
  const { manager, logger } = createControllerManager(
    "createImageReflectorController",
    options,
    DEFAULT_LEADER_ELECTION_ID,
  );
  const events = new EventRecorder({
    reportingController: IMAGE_REFLECTOR_CONTROLLER_NAME,
    group: IMAGE_GROUP,
    client: manager.client,
    eventsAddr: options.eventsAddr,
    logger,
  });
  const store = new TagStore({
    root: options.storagePath,
    compressionThreshold: options.storageCompressionThreshold,
    maxTags: options.storageMaxTags,
  });
  const queue = controllerQueueSettings(options, DEFAULT_CONCURRENCY);
  manager.controller<ImageRepository>({
    name: "imagerepository",
    for: { apiVersion: IMAGE_API_VERSION, kind: "ImageRepository", labelSelector: options.watchLabelSelector },
    reconciler: new ImageRepositoryReconciler({ client: manager.client, store, events }),
    ...queue,
  });
  const policies = manager.controller<ImagePolicy>({
    name: "imagepolicy",
    for: { apiVersion: IMAGE_API_VERSION, kind: "ImagePolicy", labelSelector: options.watchLabelSelector },
    reconciler: new ImagePolicyReconciler({
      client: manager.client,
      store,
      events,
      dependencyRequeueMs: options.requeueDependencyMs,
      noCrossNamespaceRefs: options.noCrossNamespaceRefs,
    }),
    ...queue,
  });
  policies.watches<ImageRepository>(IMAGE_API_VERSION, "ImageRepository", (repo, primary) =>
    primary
      .list()
      .filter(
        (p) =>
          p.spec.imageRepositoryRef.name === repo.metadata.name &&
          (p.spec.imageRepositoryRef.namespace || p.metadata.namespace) === repo.metadata.namespace,
      )
      .map((p) => `${p.metadata.namespace}/${p.metadata.name}`),
  );

  let running: Promise<void> | undefined;
  let abort: AbortController | undefined;
  return {
    manager,
    store,
    start(signal: AbortSignal): Promise<void> {
      if (running) throw new Error("image-reflector-controller already started");
      abort = new AbortController();
      running = manager.start(AbortSignal.any([signal, abort.signal]));
      return running;
    },
    async stop(): Promise<void> {
      abort?.abort(new Error("image-reflector-controller stopped"));
      await running?.catch(() => undefined);
    },
  };
}
