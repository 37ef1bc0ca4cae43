// The HelmRelease reconciler (helm.toolkit.fluxcd.io/v2), as helm-controller's HelmReleaseReconciler, on the
// runtime's reconcile skeleton: the HelmChart template, dependencies, the chart source, values and chart,
// the release target, then the atomic release (src/release) that runs install, upgrade, test, rollback,
// uninstall, unlock and drift correction through the release engine.

import {
  ConditionType,
  HELM_API_VERSION,
  type HelmRelease,
  HelmReleaseReason,
  parseDuration,
  Reason,
} from "@sluice/api";
import {
  type EventRecorder,
  errorMessage,
  GenericReconcileError,
  getCondition,
  type KubeClient,
  markReconciling,
  markUnknown,
  type ReconcileContext,
  type ReconcileResult,
  type ReconcileRun,
  type Reconciler,
  StepReconciler,
  type StepResult,
  step,
} from "@sluice/runtime";
import type { ReleaseEngine, ReleaseTarget } from "../engine/release-engine.js";
import type { KubeconfigPolicy } from "../internal/helm/index.js";
import { composeValues, valuesDigest } from "../internal/values/index.js";
import { shouldHandleResetRequest } from "../release/annotation-requests.js";
import { runAtomicRelease } from "../release/atomic-release.js";
import type { ClusterState } from "../release/cluster-state.js";
import { type ActionContext, clearFailures, type ReleaseRequest, statusOf } from "../release/request.js";
import {
  type ChartSourceOptions,
  chartSourceOf,
  deleteHelmChart,
  type LoadedChart,
  loadChart,
  reconcileChartTemplate,
  sourceArtifact,
} from "./chart-source.js";
import { HELM_RELEASE_OWNED_CONDITIONS, ValuesErrorReason } from "./conditions.js";
import { checkDependencies } from "./dependencies.js";
import { releaseTarget, type TargetSettings } from "./release-target.js";
import { uninstallChangedTarget, uninstallForDeletion } from "./release-uninstall.js";
import { retryScheduled, summarizeHelmRelease } from "./summarizer.js";

/** The controller name: field manager, event source. */
export const HELM_CONTROLLER_NAME = "helm-controller";
/** Default `--requeue-dependency` (Flux's 30s). */
export const DEFAULT_DEPENDENCY_REQUEUE_MS = 30_000;

/** What the steps of one HelmRelease run share: the chart and values to release. */
interface HelmReleaseRun {
  chart?: LoadedChart;
  values?: Record<string, unknown>;
}

/** Ready reasons of unmet prerequisites, replaced by Ready=Unknown once they are met (as Flux does). */
const PREREQUISITE_REASONS: readonly string[] = [
  HelmReleaseReason.DependencyNotReady,
  Reason.AccessDenied,
  HelmReleaseReason.ArtifactFailed,
  "SourceNotReady",
  ValuesErrorReason,
  "RESTClientError",
];

/** Options of {@link HelmReleaseReconciler}. */
export interface HelmReleaseReconcilerOptions {
  /** Client for the HelmRelease, its sources, values and dependencies. */
  client: KubeClient;
  /** Carries out Helm actions (today the helm CLI). */
  engine: ReleaseEngine;
  /** Drift detection and correction, inventory. */
  cluster: ClusterState;
  /** The kubeconfig text the engine uses when the HelmRelease has no `spec.kubeConfig`. */
  kubeconfig: string;
  events?: EventRecorder | undefined;
  /** `--requeue-dependency` in ms (default 30 s). */
  dependencyRequeueMs?: number | undefined;
  /** `--default-service-account`: impersonated when `spec.serviceAccountName` is empty. */
  defaultServiceAccount?: string | undefined;
  /** `--no-cross-namespace-refs`: chart sources in other namespaces are refused (Stalled, AccessDenied). */
  noCrossNamespaceRefs?: boolean | undefined;
  /** Feature gates honoured: DefaultToRetryOnFailure, DisableChartDigestTracking, AdditiveCELDependencyCheck, ExternalArtifact. */
  featureGates?: ReadonlyMap<string, boolean> | undefined;
  /** `--insecure-kubeconfig-exec` / `--insecure-kubeconfig-tls`. */
  kubeconfigPolicy?: KubeconfigPolicy | undefined;
  /** `--http-retry` and `--http-timeout` of chart downloads. */
  artifactFetch?: { retries?: number | undefined; timeoutMs?: number | undefined } | undefined;
}

/**
 * Reconciles HelmReleases as Flux's helm-controller does, as steps of the runtime's reconcile skeleton
 * (finalizer, suspend, status patch, metrics and events are the skeleton's):
 * 1. deletion (`finalize`): uninstall the recorded release (skipped when never installed, or when its
 *    kubeconfig Secret or ServiceAccount is gone), delete the HelmChart of `spec.chart`;
 * 2. `reconcileChartTemplate`: the HelmChart of `spec.chart` applied (deleted when switching to `chartRef`);
 * 3. `markReconciling` "Fulfilling prerequisites"; `checkDependencies` (Ready=False DependencyNotReady,
 *    requeued after `--requeue-dependency`); `loadChart`: the source (AccessDenied stalls; SourceNotReady
 *    requeued; ArtifactFailed), values (ValuesError), the chart downloaded (ArtifactFailed);
 * 4. `reconcileRelease`: the target (RESTClientError; InvalidSpec stalls); a changed target uninstalls the
 *    old release first; failure counters reset on a new chart, values or generation, or a `resetAt`
 *    request; then the atomic release (src/release/atomic-release.ts), which owns Released, TestSuccess,
 *    Remediated, Drifted, Ready and Stalled. Requeue after `spec.interval`, the retry interval, or at once.
 * Ready at the end: {@link summarizeHelmRelease}.
 */
export class HelmReleaseReconciler implements Reconciler<HelmRelease> {
  readonly #o: HelmReleaseReconcilerOptions;
  readonly #targets: TargetSettings;
  readonly #chartOptions: ChartSourceOptions;
  readonly #skeleton: StepReconciler<HelmRelease, HelmReleaseRun>;

  constructor(options: HelmReleaseReconcilerOptions) {
    this.#o = options;
    const gate = (name: string) => options.featureGates?.get(name) === true;
    this.#targets = {
      client: options.client,
      kubeconfig: options.kubeconfig,
      defaultServiceAccount: options.defaultServiceAccount,
      capabilities: options.engine.capabilities,
      kubeconfigPolicy: options.kubeconfigPolicy ?? { insecureExec: false, insecureTls: false },
    };
    this.#chartOptions = {
      noCrossNamespaceRefs: options.noCrossNamespaceRefs ?? false,
      allowExternalArtifact: gate("ExternalArtifact"),
      disableChartDigestTracking: gate("DisableChartDigestTracking"),
      requeueMs: this.#requeueMs,
      fetch: options.artifactFetch ?? {},
    };
    this.#skeleton = new StepReconciler<HelmRelease, HelmReleaseRun>({
      apiVersion: HELM_API_VERSION,
      kind: "HelmRelease",
      client: options.client,
      fieldManager: HELM_CONTROLLER_NAME,
      ownedConditions: HELM_RELEASE_OWNED_CONDITIONS,
      events: options.events,
      newState: () => ({}),
      steps: [
        step("reconcileChartTemplate", (run) =>
          reconcileChartTemplate(options.client, run.obj, this.#chartOptions.noCrossNamespaceRefs),
        ),
        step("markReconciling", (run) => {
          markReconciling(run.obj, Reason.Progressing, "Fulfilling prerequisites");
          return run.patch();
        }),
        step("checkDependencies", (run) => this.#checkDependencies(run)),
        step("loadChart", (run) => this.#loadChart(run)),
        step("reconcileRelease", (run) => this.#reconcileRelease(run)),
      ],
      summarize: summarizeHelmRelease,
      interval: (obj) => parseDuration(obj.spec.interval),
      finalize: (run) => this.#finalize(run),
    });
  }

  get #requeueMs(): number {
    return this.#o.dependencyRequeueMs ?? DEFAULT_DEPENDENCY_REQUEUE_MS;
  }

  #gate(name: string): boolean {
    return this.#o.featureGates?.get(name) === true;
  }

  /** Runs one reconcile of `obj` (a private copy from the cache); see the class comment. */
  reconcile(obj: HelmRelease, ctx: ReconcileContext): Promise<ReconcileResult> {
    return this.#skeleton.reconcile(obj, ctx);
  }

  async #checkDependencies(run: ReconcileRun<HelmRelease, HelmReleaseRun>): Promise<void> {
    if (!run.obj.spec.dependsOn?.length) return;
    await checkDependencies(this.#o.client, run.obj, {
      requeueMs: this.#requeueMs,
      additiveCEL: this.#gate("AdditiveCELDependencyCheck"),
    });
    run.log.info("all dependencies are ready");
  }

  /** The source's artifact, the values and the chart (removed when the run ends). */
  async #loadChart(run: ReconcileRun<HelmRelease, HelmReleaseRun>): Promise<void> {
    const obj = run.obj;
    const source = chartSourceOf(obj);
    const artifact = await sourceArtifact(this.#o.client, obj, source, this.#chartOptions);
    try {
      run.state.values = await composeValues(this.#o.client, obj);
    } catch (err: unknown) {
      throw new GenericReconcileError(ValuesErrorReason, errorMessage(err), { cause: err });
    }
    const chart = await loadChart(source, artifact, this.#chartOptions);
    run.defer(() => chart.cleanup());
    run.state.chart = chart;
  }

  async #reconcileRelease(run: ReconcileRun<HelmRelease, HelmReleaseRun>): Promise<StepResult | undefined> {
    const { obj, state } = run;
    const { chart, values } = state;
    if (!chart || !values) throw new Error("reconcileRelease: the chart was not loaded");
    const target = await releaseTarget(this.#targets, obj, run.signal);
    if (PREREQUISITE_REASONS.includes(getCondition(obj, ConditionType.Ready)?.reason ?? "")) {
      markUnknown(obj, ConditionType.Ready, Reason.Progressing, "reconciliation in progress");
    }
    const status = statusOf(obj);
    const actions = (t: ReleaseTarget) => this.#actionContext(t, run.ctx);
    if (await uninstallChangedTarget(this.#targets, obj, chart.name, actions, run.ctx)) return { requeueAfter: 0 };
    status.storageNamespace = target.storageNamespace;

    const configDigest = valuesDigest(values);
    const reset = shouldHandleResetRequest(obj);
    if (
      status.lastAttemptedGeneration !== obj.metadata.generation ||
      status.lastAttemptedRevision !== chart.version ||
      (status.lastAttemptedConfigDigest && status.lastAttemptedConfigDigest !== configDigest) ||
      reset
    ) {
      clearFailures(obj);
    }
    status.lastAttemptedGeneration = obj.metadata.generation ?? 0;
    status.lastAttemptedRevision = chart.version;
    if (chart.ociDigest) status.lastAttemptedRevisionDigest = chart.ociDigest;
    else delete status.lastAttemptedRevisionDigest;
    status.lastAttemptedConfigDigest = configDigest;

    const req: ReleaseRequest = { object: obj, chart, values, configDigest };
    const outcome = await runAtomicRelease(this.#actionContext(target, run.ctx), req, {
      patch: () => run.patch(),
      signal: run.signal,
    });
    if (outcome.kind === "retry-after") {
      retryScheduled.add(obj);
      return { requeueAfter: outcome.ms };
    }
    if (outcome.kind === "requeue") return { requeueAfter: 0 };
    return undefined;
  }

  #actionContext(target: ReleaseTarget, ctx: ReconcileContext): ActionContext {
    return {
      engine: this.#o.engine,
      target,
      cluster: this.#o.cluster,
      events: this.#o.events,
      log: ctx.log,
      defaultToRetryOnFailure: this.#gate("DefaultToRetryOnFailure"),
    };
  }

  /** Deletion: uninstall and HelmChart cleanup, unless suspended (the skeleton drops the finalizer). */
  async #finalize(run: ReconcileRun<HelmRelease, HelmReleaseRun>): Promise<void> {
    if (run.obj.spec.suspend) return;
    await uninstallForDeletion(this.#targets, run.obj, (target) => this.#actionContext(target, run.ctx), run.log);
    await deleteHelmChart(this.#o.client, run.obj, this.#chartOptions.noCrossNamespaceRefs);
  }
}
