// createHelmController: the helm-controller as a unit that runs in-process (for `sluice up` and tests) or as
// its own process (main.ts): a Manager with the HelmRelease controller, helm run through a private home and
// the generated post-renderer plugin (post-rendering done in this process).

import { HELM_API_VERSION, HELM_GROUP, type HelmRelease, SOURCE_API_VERSION } from "@sluice/api";
import {
  type ApiObject,
  type ControllerManagerOptions,
  controllerQueueSettings,
  createControllerManager,
  EventRecorder,
  type Manager,
  resolveTool,
  type UpdatePredicate,
} from "@sluice/runtime";
import { HelmCliEngine } from "./engine/helm-cli-engine.js";
import { HELM_CONTROLLER_NAME, HelmReleaseReconciler } from "./helmrelease/reconciler.js";
import { HelmRunner, kubeConfigText } from "./internal/helm/index.js";
import { createPostRenderPlugins } from "./internal/postrender/post-render-plugin.js";
import { ResourceManagerClusterState } from "./release/cluster-state.js";

/** Default `--concurrent`. */
export const DEFAULT_CONCURRENCY = 4;
/** Default name of the leader election Lease. */
export const DEFAULT_LEADER_ELECTION_ID = "helm-controller-leader-election";
/** Label that makes a ConfigMap or Secret referenced in valuesFrom trigger reconciles when it changes. */
export const WATCH_LABEL = "reconcile.fluxcd.io/watch";

/**
 * Options of {@link createHelmController}: the runtime's controller options (kubeconfig or client — helm gets
 * the same —, the shared flags) and helm-controller's own; each names the Flux flag it mirrors.
 */
export interface HelmControllerOptions extends ControllerManagerOptions {
  /** `--requeue-dependency` in ms (default 30 s). */
  requeueDependencyMs?: number | undefined;
  /** `--default-service-account`: impersonated when a HelmRelease's `spec.serviceAccountName` is empty. */
  defaultServiceAccount?: string | undefined;
  /** `--no-cross-namespace-refs`: chart sources in other namespaces are refused (Stalled, AccessDenied). */
  noCrossNamespaceRefs?: boolean | undefined;
  /** `--override-manager`: field managers whose fields drift correction takes over. */
  overrideManagers?: readonly string[] | undefined;
  /**
   * `--feature-gates`. Honoured: DefaultToRetryOnFailure, DisableChartDigestTracking,
   * AdditiveCELDependencyCheck, ExternalArtifact, DisableConfigWatchers.
   */
  featureGates?: ReadonlyMap<string, boolean> | undefined;
  /** `--http-retry`: chart download retries (default 9). */
  artifactFetchRetries?: number | undefined;
  /** `--http-timeout` in ms (default 30 s). */
  artifactFetchTimeoutMs?: number | undefined;
  /** `--insecure-kubeconfig-exec`: keep exec credential plugins of `spec.kubeConfig` Secrets. */
  insecureKubeConfigExec?: boolean | undefined;
  /** `--insecure-kubeconfig-tls`: keep `insecure-skip-tls-verify` of `spec.kubeConfig` Secrets. */
  insecureKubeConfigTls?: boolean | undefined;
  /** `--watch-label-selector`: only HelmReleases with matching labels are cached and reconciled (sharding). */
  watchLabelSelector?: string | undefined;
  /** `--watch-configs-label-selector` (default `reconcile.fluxcd.io/watch=Enabled`). */
  watchConfigsLabelSelector?: string | undefined;
  /** helm binary (default `resolveTool("helm")`). */
  helmPath?: string | undefined;
  /** kubectl binary for kustomize post-renderers (default `resolveTool("kubectl")`). */
  kubectlPath?: string | undefined;
}

/** A running (or startable) helm-controller. */
export interface HelmController {
  readonly manager: Manager;
  /** Runs until `signal` aborts (then drains and resolves) or the manager fails. */
  start(signal: AbortSignal): Promise<void>;
  /** Stops a started controller and waits for it. */
  stop(): Promise<void>;
}

interface WithValuesFrom extends ApiObject {
  spec?: {
    valuesFrom?: { kind: string; name: string }[];
    chartRef?: { kind: string; name: string; namespace?: string };
  };
  status?: { helmChart?: string };
}

type WithArtifact = ApiObject & { status?: { artifact?: { revision?: string } } };

/**
 * Flux's SourceRevisionChangePredicate for the chart sources: a HelmRelease runs when its source gets its
 * first artifact or a new revision — not on the source's other status writes (several per chart build), nor
 * when a source is created or deleted (its own reconcile or interval covers those).
 */
export const sourceRevisionChanged: UpdatePredicate<WithArtifact> = (old, obj) => {
  const before = old.status?.artifact;
  const after = obj.status?.artifact;
  if (!after) return false;
  return !before || before.revision !== after.revision;
};

/**
 * Creates the helm-controller: a {@link Manager} (metrics, probes, leader election) running the HelmRelease
 * controller with `--concurrent` workers. HelmReleases are also reconciled when their HelmChart or
 * `chartRef` source changes, and when a ConfigMap or Secret labelled `reconcile.fluxcd.io/watch=Enabled`
 * that they take values from changes.
 */
export function createHelmController(options: HelmControllerOptions): HelmController {
  const { manager, logger, kubeConfig } = createControllerManager(
    "createHelmController",
    options,
    DEFAULT_LEADER_ELECTION_ID,
  );
  for (const gate of ["OOMWatch", "CacheSecretsAndConfigMaps", "DirectSourceFetch", "UseHelm3Defaults"]) {
    if (options.featureGates?.get(gate))
      logger.warn({ gate }, "feature gate accepted but not implemented; it has no effect");
  }
  const events = new EventRecorder({
    reportingController: HELM_CONTROLLER_NAME,
    group: HELM_GROUP,
    client: manager.client,
    eventsAddr: options.eventsAddr,
    logger,
  });
  const kubectlPath = options.kubectlPath ?? resolveTool("kubectl").path;
  let running: Promise<void> | undefined;
  let abort: AbortController | undefined;

  const run = async (signal: AbortSignal): Promise<void> => {
    const plugins = await createPostRenderPlugins();
    const helm = new HelmRunner({ helmPath: options.helmPath, pluginsDir: plugins.dir });
    try {
      const controller = manager.controller<HelmRelease>({
        name: "helmrelease",
        for: { apiVersion: HELM_API_VERSION, kind: "HelmRelease", labelSelector: options.watchLabelSelector },
        reconciler: new HelmReleaseReconciler({
          client: manager.client,
          engine: new HelmCliEngine({ client: manager.client, helm, kubectlPath, postRender: true }),
          cluster: new ResourceManagerClusterState(manager.client, options.overrideManagers),
          kubeconfig: kubeConfigText(kubeConfig),
          events,
          dependencyRequeueMs: options.requeueDependencyMs,
          defaultServiceAccount: options.defaultServiceAccount,
          noCrossNamespaceRefs: options.noCrossNamespaceRefs,
          featureGates: options.featureGates,
          kubeconfigPolicy: {
            insecureExec: options.insecureKubeConfigExec ?? false,
            insecureTls: options.insecureKubeConfigTls ?? false,
          },
          artifactFetch: { retries: options.artifactFetchRetries, timeoutMs: options.artifactFetchTimeoutMs },
        }),
        ...controllerQueueSettings(options, DEFAULT_CONCURRENCY),
      });
      const key = (o: ApiObject) => `${o.metadata.namespace}/${o.metadata.name}`;
      const bySource = (kind: string) => (src: ApiObject, primary: { list(): readonly WithValuesFrom[] }) =>
        primary
          .list()
          .filter((hr) => {
            const srcRef = `${src.metadata.namespace}/${src.metadata.name}`;
            if (kind === "HelmChart" && hr.status?.helmChart === srcRef) return true;
            const ref = hr.spec?.chartRef;
            return ref?.kind === kind && `${ref.namespace ?? hr.metadata.namespace}/${ref.name}` === srcRef;
          })
          .map(key);
      for (const kind of ["HelmChart", "OCIRepository", "ExternalArtifact"]) {
        if (kind === "ExternalArtifact" && options.featureGates?.get("ExternalArtifact") !== true) continue;
        controller.watches<WithArtifact>(SOURCE_API_VERSION, kind, bySource(kind), {
          predicate: sourceRevisionChanged,
          addAndDelete: false,
        });
      }
      const selector = options.watchConfigsLabelSelector ?? `${WATCH_LABEL}=Enabled`;
      const watchConfigs = options.featureGates?.get("DisableConfigWatchers") !== true;
      for (const kind of watchConfigs ? ["ConfigMap", "Secret"] : []) {
        controller.watches<ApiObject>(
          "v1",
          kind,
          (cfg, primary) =>
            (primary.list() as readonly WithValuesFrom[])
              .filter(
                (hr) =>
                  hr.metadata.namespace === cfg.metadata.namespace &&
                  (hr.spec?.valuesFrom ?? []).some((v) => v.kind === kind && v.name === cfg.metadata.name),
              )
              .map(key),
          { labelSelector: selector },
        );
      }
      await manager.start(signal);
    } finally {
      await helm.close();
      await plugins.close();
    }
  };

  return {
    manager,
    start(signal: AbortSignal): Promise<void> {
      if (running) throw new Error("helm-controller already started");
      abort = new AbortController();
      running = run(AbortSignal.any([signal, abort.signal]));
      return running;
    },
    async stop(): Promise<void> {
      abort?.abort(new Error("helm-controller stopped"));
      await running?.catch(() => undefined);
    },
  };
}
