// createImageAutomationController: the image-automation-controller as a unit that runs in-process (`sluice
// up`, tests) or as its own process (main.ts): a Manager with the ImageUpdateAutomation controller,
// reconciled again when an ImagePolicy of its namespace or its GitRepository changes.

import {
  IMAGE_API_VERSION,
  IMAGE_GROUP,
  type ImagePolicy,
  type ImageUpdateAutomation,
  SOURCE_API_VERSION,
} from "@sluice/api";
import {
  type ApiObject,
  type ControllerManagerOptions,
  controllerQueueSettings,
  createControllerManager,
  EventRecorder,
  type Manager,
} from "@sluice/runtime";
import { IMAGE_AUTOMATION_CONTROLLER_NAME, ImageUpdateAutomationReconciler } from "./automation/reconciler.js";

/** Default `--concurrent`. */
export const DEFAULT_CONCURRENCY = 4;
/** Default name of the leader election Lease. */
export const DEFAULT_LEADER_ELECTION_ID = "image-automation-controller-leader-election";

/** Options of {@link createImageAutomationController}; each names the Flux flag it mirrors. */
export interface ImageAutomationControllerOptions extends ControllerManagerOptions {
  /** `--no-cross-namespace-refs`. */
  noCrossNamespaceRefs?: boolean | undefined;
  /** `--watch-label-selector`. */
  watchLabelSelector?: string | undefined;
}

/** A running (or startable) image-automation-controller. */
export interface ImageAutomationController {
  readonly manager: Manager;
  start(signal: AbortSignal): Promise<void>;
  stop(): Promise<void>;
}

/** Creates the image-automation-controller (see the file comment). */
export function createImageAutomationController(options: ImageAutomationControllerOptions): ImageAutomationController {
  const { manager, logger } = createControllerManager(
    "createImageAutomationController",
    options,
    DEFAULT_LEADER_ELECTION_ID,
  );
  const events = new EventRecorder({
    reportingController: IMAGE_AUTOMATION_CONTROLLER_NAME,
    group: IMAGE_GROUP,
    client: manager.client,
    eventsAddr: options.eventsAddr,
    logger,
  });
  const controller = manager.controller<ImageUpdateAutomation>({
    name: "imageupdateautomation",
    for: { apiVersion: IMAGE_API_VERSION, kind: "ImageUpdateAutomation", labelSelector: options.watchLabelSelector },
    reconciler: new ImageUpdateAutomationReconciler({
      client: manager.client,
      events,
      noCrossNamespaceRefs: options.noCrossNamespaceRefs,
    }),
    ...controllerQueueSettings(options, DEFAULT_CONCURRENCY),
  });
  const key = (o: ApiObject) => `${o.metadata.namespace}/${o.metadata.name}`;
  controller.watches<ImagePolicy>(IMAGE_API_VERSION, "ImagePolicy", (policy, primary) =>
    primary.list(policy.metadata.namespace).map(key),
  );
  controller.watches<ApiObject>(SOURCE_API_VERSION, "GitRepository", (repo, primary) =>
    primary
      .list()
      .filter(
        (a) =>
          a.spec.sourceRef.name === repo.metadata.name &&
          (a.spec.sourceRef.namespace || a.metadata.namespace) === repo.metadata.namespace,
      )
      .map(key),
  );

  let running: Promise<void> | undefined;
  let abort: AbortController | undefined;
  return {
    manager,
    start(signal: AbortSignal): Promise<void> {
      if (running) throw new Error("image-automation-controller already started");
      abort = new AbortController();
      running = manager.start(AbortSignal.any([signal, abort.signal]));
      return running;
    },
    async stop(): Promise<void> {
      abort?.abort(new Error("image-automation-controller stopped"));
      await running?.catch(() => undefined);
    },
  };
}
