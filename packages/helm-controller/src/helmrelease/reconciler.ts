// The HelmRelease reconciler (helm.toolkit.fluxcd.io/v2): chart from `spec.chart` (a HelmChart it applies)
// or `spec.chartRef`, values from valuesFrom + values, then the real helm binary for install, upgrade, test,
// rollback and uninstall with helm-controller's action selection, retries and remediation, drift detection,
// status history read back from Helm's own storage, conditions, events and the inventory.

import {
  ActionStrategy,
  ConditionType,
  DriftDetectionDisabledValue,
  DriftDetectionMetadataKey,
  defaultReleaseName,
  driftDetectionMode,
  FINALIZER,
  fullReleaseName,
  HELM_API_VERSION,
  HELM_FIELD_MANAGER,
  HELM_GROUP,
  type HelmRelease,
  HelmReleaseAnnotation,
  HelmReleaseCondition,
  HelmReleaseReason,
  type HelmReleaseSnapshot,
  installRemediation,
  parseDuration,
  previousReleaseSnapshot,
  Reason,
  ReleaseAction,
  type ResolvedRemediation,
  releaseNamespace,
  actionStrategy as resolveActionStrategy,
  retriesExhausted,
  truncateReleaseSnapshots,
  upgradeRemediation,
} from "@sluice/api";
import { listReleaseVersions, manifestObjects, markReleaseFailed, type StoredRelease } from "@sluice/helm-storage";
import {
  Action,
  asReconcileError,
  deleteCondition,
  type EventRecorder,
  errorMessage,
  GenericReconcileError,
  getCondition,
  isNotFound,
  type KubeClient,
  type Logger,
  markFalse,
  markReconcileRequestHandled,
  markReconciling,
  markStalled,
  markTrue,
  markUnknown,
  type ReconcileContext,
  type ReconcileResult,
  type Reconciler,
  ResourceManager,
  reconcileRequestedAt,
  requeueAfter,
  StallingError,
  StatusPatcher,
  subjectOf,
  type UnstructuredObject,
  WaitingError,
} from "@sluice/runtime";
import type { HelmRunner } from "../internal/helm/index.js";
import { postRenderConfig } from "../internal/postrender/post-render-plugin.js";
import { applyCrdsPolicy, HelmActions, snapshotOf } from "../internal/release/index.js";
import { composeValues, ValuesReferenceError, valuesDigest } from "../internal/values/index.js";
import {
  applyHelmChartTemplate,
  type ChartSourceRef,
  chartRefOf,
  deleteHelmChart,
  type LoadedChart,
  loadChart,
  sourceArtifact,
} from "./chart-source.js";
import {
  HELM_RELEASE_OWNED_CONDITIONS,
  InitFailedReason,
  InvalidSpecReason,
  RetriesExceededReason,
  summarizeHelmReleaseReady,
} from "./conditions.js";
import { inventoryOf } from "./manifest-objects.js";
import { determineReleaseState } from "./release-state.js";

/** The object's status, created empty when absent. */
function statusOf(obj: HelmRelease): NonNullable<HelmRelease["status"]> {
  if (!obj.status) obj.status = {};
  return obj.status;
}

/** The controller name: field manager, event source. */
export const HELM_CONTROLLER_NAME = "helm-controller";
/** Default delay before re-checking a source or dependency that is not ready (`--requeue-dependency`). */
export const DEFAULT_DEPENDENCY_REQUEUE_MS = 5_000;
/** Most helm actions one reconcile runs before requeueing. */
const MAX_ACTIONS_PER_RUN = 10;

/** Options of {@link HelmReleaseReconciler}. */
export interface HelmReleaseReconcilerOptions {
  /** Client for the HelmRelease, its sources, values and Helm's storage. */
  client: KubeClient;
  /** The kubeconfig text helm runs with when the HelmRelease has no `spec.kubeConfig`. */
  kubeconfig: string;
  /** Runs helm. */
  helm: HelmRunner;
  /** kubectl for the kustomize post-renderer. */
  kubectlPath: string;
  /** Whether the post-renderer plugin is installed in the runner's HELM_PLUGINS. */
  postRender: boolean;
  events?: EventRecorder | undefined;
  /** `--requeue-dependency` in ms. */
  dependencyRequeueMs?: number | undefined;
  /** `--default-service-account`: impersonated when `spec.serviceAccountName` is unset. */
  defaultServiceAccount?: string | undefined;
}

type ActiveAction = "install" | "upgrade";

/** One failed helm action turned into the condition/event texts helm-controller uses. */
class ReleaseActionError extends GenericReconcileError {}

/**
 * Reconciles HelmReleases as Flux's helm-controller does:
 * 1. deletion → `helm uninstall` (unless suspended), the HelmChart of `spec.chart` deleted, finalizer dropped;
 * 2. finalizer, `spec.suspend`, `dependsOn` (DependencyNotReady, requeued);
 * 3. chart: HelmChart applied for `spec.chart` or `spec.chartRef` read; not ready → ArtifactFailed (requeued);
 *    artifact downloaded with its digest verified;
 * 4. values composed (InitFailed when a reference is missing) and their config digest;
 * 5. release loop: state from Helm storage → install / upgrade / test / rollback / uninstall, failure counters,
 *    retries and remediation (RetriesExceeded stalls); drift detection on an in-sync release;
 * 6. status history, inventory, Ready summarized from Remediated, TestSuccess and Released; events; requeue
 *    after `spec.interval`.
 */
export class HelmReleaseReconciler implements Reconciler<HelmRelease> {
  readonly #o: HelmReleaseReconcilerOptions;
  readonly #rm: ResourceManager;

  constructor(options: HelmReleaseReconcilerOptions) {
    this.#o = options;
    this.#rm = new ResourceManager({ client: options.client, owner: { field: HELM_FIELD_MANAGER, group: HELM_GROUP } });
  }

  get #requeueMs(): number {
    return this.#o.dependencyRequeueMs ?? DEFAULT_DEPENDENCY_REQUEUE_MS;
  }

  /** Runs one reconcile of `obj`; see the class comment. */
  async reconcile(cached: HelmRelease, ctx: ReconcileContext): Promise<ReconcileResult> {
    // Failure counters and history must be current: a requeue right after a status write can see a cache
    // that lags behind it, so the object is read from the API server.
    const obj = await this.#o.client.getOptional<HelmRelease>({
      apiVersion: HELM_API_VERSION,
      kind: "HelmRelease",
      namespace: cached.metadata.namespace ?? "",
      name: cached.metadata.name ?? "",
    });
    if (!obj) return {};
    obj.kind ||= "HelmRelease";
    obj.apiVersion ||= HELM_API_VERSION;
    const patcher = new StatusPatcher<HelmRelease>(this.#o.client, obj, {
      fieldManager: HELM_CONTROLLER_NAME,
      ownedConditions: HELM_RELEASE_OWNED_CONDITIONS,
    });
    if (obj.metadata.deletionTimestamp) return this.#reconcileDelete(obj, patcher, ctx);
    if (!(obj.metadata.finalizers ?? []).includes(FINALIZER)) {
      obj.metadata.finalizers = [...(obj.metadata.finalizers ?? []), FINALIZER];
      await patcher.patch(obj);
    }
    if (obj.spec.suspend) {
      ctx.log.info("reconciliation is suspended for this object");
      markReconcileRequestHandled(obj);
      await patcher.patch(obj);
      return {};
    }

    const old = structuredClone(obj);
    let error: unknown;
    let result: ReconcileResult = requeueAfter(parseDuration(obj.spec.interval));
    try {
      const generation = obj.metadata.generation ?? 0;
      if ((obj.status?.observedGeneration ?? -1) !== generation) {
        markReconciling(obj, Reason.Progressing, `Fulfilling prerequisites`);
        if (getCondition(obj, ConditionType.Ready)?.status !== "False") {
          markUnknown(obj, ConditionType.Ready, Reason.Progressing, "Fulfilling prerequisites");
        }
        await patcher.patch(obj);
      }
      await this.#checkDependencies(obj);
      const source = await this.#chartSource(obj);
      const artifact = await sourceArtifact(this.#o.client, source, this.#requeueMs);
      const chart = await loadChart(source, artifact);
      try {
        const early = await this.#reconcileRelease(obj, patcher, chart, ctx);
        if (early) result = early;
      } finally {
        await chart.cleanup();
      }
    } catch (err: unknown) {
      error = err;
    }
    await this.#finish(obj, patcher, old, error, ctx.log);
    if (error !== undefined) {
      const typed = asReconcileError(error);
      if (typed.kind === "waiting" || typed.kind === "stalling") throw typed;
      if (typed instanceof ReleaseActionError) return result;
      throw typed;
    }
    return result;
  }

  async #checkDependencies(obj: HelmRelease): Promise<void> {
    for (const dep of obj.spec.dependsOn ?? []) {
      const namespace = dep.namespace ?? obj.metadata.namespace ?? "";
      const other = await this.#o.client
        .getOptional<HelmRelease>({ apiVersion: HELM_API_VERSION, kind: "HelmRelease", namespace, name: dep.name })
        .catch(() => undefined);
      const ready = other?.status?.conditions?.find((c) => c.type === ConditionType.Ready);
      const current = other && other.status?.observedGeneration === other.metadata.generation;
      if (!other || ready?.status !== "True" || !current) {
        throw new WaitingError(
          HelmReleaseReason.DependencyNotReady,
          `dependency '${namespace}/${dep.name}' is not ready`,
          this.#requeueMs,
        );
      }
    }
  }

  /** Applies the HelmChart of `spec.chart` or resolves `spec.chartRef` (deleting a HelmChart no longer used). */
  async #chartSource(obj: HelmRelease): Promise<ChartSourceRef> {
    const status = statusOf(obj);
    if (obj.spec.chart) {
      try {
        const ref = await applyHelmChartTemplate(this.#o.client, obj);
        status.helmChart = `${ref.namespace}/${ref.name}`;
        return ref;
      } catch (err: unknown) {
        throw new GenericReconcileError(
          HelmReleaseReason.ArtifactFailed,
          `failed to apply HelmChart for '${obj.metadata.namespace}/${obj.metadata.name}' (spec.chart): ${errorMessage(err)}`,
          { cause: err },
        );
      }
    }
    if (status.helmChart) {
      await deleteHelmChart(this.#o.client, status.helmChart);
      delete status.helmChart;
    }
    const ref = chartRefOf(obj);
    if (!ref) {
      throw new StallingError(InvalidSpecReason, "invalid HelmRelease: either spec.chart or spec.chartRef must be set");
    }
    return ref;
  }

  /** Release name, namespaces (storage = release namespace with the helm CLI), kubeconfig and impersonation. */
  async #target(obj: HelmRelease, signal: AbortSignal) {
    const name = defaultReleaseName(obj);
    const namespace = releaseNamespace(obj);
    const storage = obj.spec.storageNamespace;
    if (storage && storage !== namespace) {
      throw new StallingError(
        InvalidSpecReason,
        `spec.storageNamespace '${storage}' differs from the release namespace '${namespace}': the helm CLI stores releases in the namespace it installs into`,
      );
    }
    let kubeconfig = this.#o.kubeconfig;
    const secretRef = obj.spec.kubeConfig?.secretRef;
    if (secretRef) {
      const ns = obj.metadata.namespace ?? "";
      const secret = await this.#o.client
        .get<{ apiVersion: string; kind: string; metadata: object; data?: Record<string, string> }>({
          apiVersion: "v1",
          kind: "Secret",
          namespace: ns,
          name: secretRef.name,
        })
        .catch((err: unknown) => {
          throw new GenericReconcileError(
            InitFailedReason,
            `could not get kubeconfig Secret '${ns}/${secretRef.name}' (spec.kubeConfig.secretRef): ${errorMessage(err)}`,
            { cause: err },
          );
        });
      const key = secretRef.key ?? (secret.data?.["value"] !== undefined ? "value" : "value.yaml");
      const data = secret.data?.[key];
      if (!data) {
        throw new StallingError(
          InitFailedReason,
          `kubeconfig Secret '${ns}/${secretRef.name}' has no key '${key}' (spec.kubeConfig.secretRef)`,
        );
      }
      kubeconfig = Buffer.from(data, "base64").toString("utf8");
    }
    const sa = obj.spec.serviceAccountName ?? this.#o.defaultServiceAccount;
    const impersonate = sa ? `system:serviceaccount:${obj.metadata.namespace}:${sa}` : undefined;
    const postRender = this.#o.postRender ? postRenderConfig(obj, this.#o.kubectlPath) : undefined;
    return { name, namespace, kubeconfig, impersonate, postRenderConfig: postRender, signal };
  }

  /** Values, state determination and the action loop. Returns a result overriding the interval requeue. */
  async #reconcileRelease(
    obj: HelmRelease,
    patcher: StatusPatcher<HelmRelease>,
    chart: LoadedChart,
    ctx: ReconcileContext,
  ): Promise<ReconcileResult | undefined> {
    const status = statusOf(obj);
    let values: Record<string, unknown>;
    try {
      values = await composeValues(this.#o.client, obj);
    } catch (err: unknown) {
      if (err instanceof ValuesReferenceError) {
        throw new WaitingError(
          InitFailedReason,
          `could not resolve values reference: ${err.message}`,
          this.#requeueMs,
          {
            cause: err,
          },
        );
      }
      throw err;
    }
    const configDigest = valuesDigest(values);
    const target = await this.#target(obj, ctx.signal);
    status.storageNamespace = target.namespace;
    const actions = new HelmActions(this.#o.helm, obj, target);
    const valuesJson = JSON.stringify(values);

    // A new desired state (chart, values, generation) or a handled resetAt resets the failure counters.
    const generation = obj.metadata.generation ?? 0;
    const resetAt = obj.metadata.annotations?.[HelmReleaseAnnotation.ResetRequestedAt];
    const requested = reconcileRequestedAt(obj);
    let forced = false;
    if (
      status.lastAttemptedRevision !== chart.revision ||
      status.lastAttemptedConfigDigest !== configDigest ||
      status.lastAttemptedGeneration !== generation ||
      (resetAt && resetAt === requested && resetAt !== status.lastHandledResetAt)
    ) {
      status.failures = 0;
      status.installFailures = 0;
      status.upgradeFailures = 0;
      if (resetAt && resetAt === requested) status.lastHandledResetAt = resetAt;
    }
    const forceAt = obj.metadata.annotations?.[HelmReleaseAnnotation.ForceRequestedAt];
    if (forceAt && forceAt === requested && forceAt !== status.lastHandledForceAt) {
      forced = true;
      status.lastHandledForceAt = forceAt;
    }
    status.lastAttemptedRevision = chart.revision;
    status.lastAttemptedRevisionDigest = chart.digest;
    status.lastAttemptedConfigDigest = configDigest;
    status.lastAttemptedGeneration = generation;

    const desired = { chartName: chart.name, chartVersion: chart.version, configDigest };
    const chartName = `${chart.name}@${chart.version}`;
    for (let i = 0; i < MAX_ACTIONS_PER_RUN; i++) {
      const releases = await listReleaseVersions(this.#o.client, target.namespace, target.name);
      const latest = releases[0];
      let state = determineReleaseState(obj, latest, desired);
      if (forced && (state.kind === "in-sync" || state.kind === "untested")) {
        state = { kind: "out-of-sync", release: state.release, reason: "forced by annotation" };
        forced = false;
      }
      ctx.log.debug({ state: state.kind }, "release state");
      switch (state.kind) {
        case "in-sync": {
          await this.#detectDrift(obj, state.release, ctx);
          status.inventory = {
            entries: inventoryOf(await manifestObjects(this.#o.client, state.release.manifest ?? "", target.namespace)),
          };
          return undefined;
        }
        case "locked": {
          await markReleaseFailed(
            this.#o.client,
            state.release,
            `release unlocked by ${HELM_CONTROLLER_NAME}: left in '${state.release.info.status}'`,
          );
          markFalse(
            obj,
            HelmReleaseCondition.Released,
            HelmReleaseReason.PendingRelease,
            `release ${fullReleaseName(state.release)} was left in a pending state and has been unlocked`,
          );
          continue;
        }
        case "absent": {
          if (this.#exhausted(obj, "install")) return this.#stallExhausted(obj, "install");
          await this.#runInstallOrUpgrade(obj, patcher, actions, "install", chart, valuesJson, chartName, ctx);
          continue;
        }
        case "unmanaged":
        case "out-of-sync": {
          if (status.lastAttemptedReleaseAction === "upgrade" && this.#exhausted(obj, "upgrade")) {
            return this.#stallExhausted(obj, "upgrade");
          }
          await this.#runInstallOrUpgrade(obj, patcher, actions, "upgrade", chart, valuesJson, chartName, ctx);
          continue;
        }
        case "untested": {
          await this.#runTest(obj, actions, target.namespace, target.name, chartName, ctx);
          continue;
        }
        case "failed": {
          const active: ActiveAction = status.lastAttemptedReleaseAction === "install" ? "install" : "upgrade";
          const remediation = this.#remediation(obj, active);
          const strategy = resolveActionStrategy(active === "install" ? obj.spec.install : obj.spec.upgrade);
          if (this.#exhausted(obj, active)) {
            // The latest release is the failed one: it has not been remediated yet.
            // RetryOnFailure never remediates.
            if (remediation.remediateLastFailure && strategy.name === ActionStrategy.RemediateOnFailure) {
              await this.#remediate(obj, actions, active, remediation, releases, ctx);
            }
            return this.#stallExhausted(obj, active);
          }
          if (strategy.name === ActionStrategy.RetryOnFailure) {
            // The failed release stays; a failed install is retried in place (`helm install --replace`).
            await this.#runInstallOrUpgrade(obj, patcher, actions, active, chart, valuesJson, chartName, ctx, true);
            if (getCondition(obj, HelmReleaseCondition.Released)?.status === "False") {
              return requeueAfter(strategy.retryIntervalMs);
            }
            continue;
          }
          await this.#remediate(obj, actions, active, remediation, releases, ctx);
          // Remediation ends the run; the next attempt comes with the requeue.
          return requeueAfter(0);
        }
      }
    }
    throw new GenericReconcileError(
      Reason.Failed,
      `release ${target.namespace}/${target.name} did not settle after ${MAX_ACTIONS_PER_RUN} helm actions`,
    );
  }

  #remediation(obj: HelmRelease, action: ActiveAction): ResolvedRemediation {
    return action === "install" ? installRemediation(obj.spec) : upgradeRemediation(obj.spec);
  }

  #exhausted(obj: HelmRelease, action: ActiveAction): boolean {
    const failures = action === "install" ? obj.status?.installFailures : obj.status?.upgradeFailures;
    return retriesExhausted(this.#remediation(obj, action), failures ?? 0);
  }

  #stallExhausted(obj: HelmRelease, action: ActiveAction): never {
    const failures = (action === "install" ? obj.status?.installFailures : obj.status?.upgradeFailures) ?? 0;
    throw new StallingError(RetriesExceededReason, `Failed to ${action} after ${failures} attempt(s)`);
  }

  #record(
    obj: HelmRelease,
    release: StoredRelease,
    action: string | undefined,
    withTests: boolean,
  ): HelmReleaseSnapshot {
    const status = statusOf(obj);
    const snapshot = snapshotOf(release, withTests, action);
    const rest = (status.history ?? []).filter((s) => s.version !== release.version);
    const ignoreTests = this.#remediation(
      obj,
      status.lastAttemptedReleaseAction === "install" ? "install" : "upgrade",
    ).ignoreTestFailures;
    status.history = truncateReleaseSnapshots([snapshot, ...rest], ignoreTests);
    return snapshot;
  }

  async #latest(namespace: string, name: string): Promise<StoredRelease | undefined> {
    return (await listReleaseVersions(this.#o.client, namespace, name))[0];
  }

  async #runInstallOrUpgrade(
    obj: HelmRelease,
    patcher: StatusPatcher<HelmRelease>,
    actions: HelmActions,
    action: ActiveAction,
    chart: LoadedChart,
    valuesJson: string,
    chartName: string,
    ctx: ReconcileContext,
    retry = false,
  ): Promise<void> {
    const status = statusOf(obj);
    const started = Date.now();
    status.lastAttemptedReleaseAction = action;
    markReconciling(
      obj,
      Reason.Progressing,
      `Running '${action}' action with timeout of ${obj.spec.timeout ?? "5m0s"}`,
    );
    await patcher.patch(obj).catch(() => undefined);
    const namespace = status.storageNamespace ?? "";
    const name = defaultReleaseName(obj);
    const installCrds = obj.spec.install?.crds ?? (obj.spec.install?.skipCRDs ? "Skip" : "Create");
    const upgradeCrds = obj.spec.upgrade?.crds ?? "Skip";
    let failure: unknown;
    try {
      if (action === "install") {
        // helm creates missing CRDs on install; CreateReplace needs them applied before.
        if (installCrds === "CreateReplace") await applyCrdsPolicy(this.#o.client, this.#rm, chart.dir, installCrds);
        await actions.install(chart.dir, valuesJson, installCrds !== "Create", retry);
      } else {
        await applyCrdsPolicy(this.#o.client, this.#rm, chart.dir, upgradeCrds);
        await actions.upgrade(chart.dir, valuesJson);
      }
    } catch (err: unknown) {
      failure = err;
    }
    status.lastAttemptedReleaseActionDuration = `${((Date.now() - started) / 1000).toFixed(3)}s`;
    const latest = await this.#latest(namespace, name);
    const rel = latest ? fullReleaseName(latest) : `${namespace}/${name}`;
    if (latest && latest.info.status !== "uninstalled") this.#record(obj, latest, action, false);
    if (failure !== undefined) {
      status.failures = (status.failures ?? 0) + 1;
      if (action === "install") status.installFailures = (status.installFailures ?? 0) + 1;
      else status.upgradeFailures = (status.upgradeFailures ?? 0) + 1;
      const reason = action === "install" ? HelmReleaseReason.InstallFailed : HelmReleaseReason.UpgradeFailed;
      const message = `Helm ${action} failed for release ${rel} with chart ${chartName}: ${errorMessage(failure)}`;
      markFalse(obj, HelmReleaseCondition.Released, reason, message);
      ctx.log.info({ action, error: errorMessage(failure) }, "helm action failed");
      void this.#o.events?.error(obj, reason, message, { revision: chart.revision });
      // The loop continues: the failed state selects retry or remediation.
      return;
    }
    const reason = action === "install" ? HelmReleaseReason.InstallSucceeded : HelmReleaseReason.UpgradeSucceeded;
    const message = `Helm ${action} succeeded for release ${rel} with chart ${chartName}`;
    markTrue(obj, HelmReleaseCondition.Released, reason, message);
    deleteCondition(obj, HelmReleaseCondition.Remediated);
    if (obj.spec.test?.enable) {
      markUnknown(obj, HelmReleaseCondition.TestSuccess, HelmReleaseReason.AwaitingTests, `Release is awaiting tests`);
    } else {
      deleteCondition(obj, HelmReleaseCondition.TestSuccess);
    }
    void this.#o.events?.info(obj, reason, message, { revision: chart.revision });
  }

  async #runTest(
    obj: HelmRelease,
    actions: HelmActions,
    namespace: string,
    name: string,
    chartName: string,
    ctx: ReconcileContext,
  ): Promise<void> {
    const status = statusOf(obj);
    let failure: unknown;
    try {
      await actions.test();
    } catch (err: unknown) {
      failure = err;
    }
    const latest = await this.#latest(namespace, name);
    if (!latest)
      throw new GenericReconcileError(
        HelmReleaseReason.TestFailed,
        `release ${namespace}/${name} vanished during tests`,
      );
    const snapshot = this.#record(obj, latest, status.history?.[0]?.action, true);
    const rel = fullReleaseName(latest);
    if (failure !== undefined) {
      const message = `Helm test failed for release ${rel} with chart ${chartName}: ${errorMessage(failure)}`;
      markFalse(obj, HelmReleaseCondition.TestSuccess, HelmReleaseReason.TestFailed, message);
      const active: ActiveAction = status.lastAttemptedReleaseAction === "install" ? "install" : "upgrade";
      if (!this.#remediation(obj, active).ignoreTestFailures) {
        status.failures = (status.failures ?? 0) + 1;
        if (active === "install") status.installFailures = (status.installFailures ?? 0) + 1;
        else status.upgradeFailures = (status.upgradeFailures ?? 0) + 1;
      }
      ctx.log.info({ error: errorMessage(failure) }, "helm test failed");
      void this.#o.events?.error(obj, HelmReleaseReason.TestFailed, message, { revision: snapshot.chartVersion });
      if (!snapshot.testHooks || Object.keys(snapshot.testHooks).length === 0) {
        snapshot.testHooks = { "": { phase: "Failed" } };
      }
      return;
    }
    const count = Object.keys(snapshot.testHooks ?? {}).length;
    const detail = count > 0 ? `${count} test hook(s) completed successfully` : "no test hooks";
    const message = `Helm test succeeded for release ${rel} with chart ${chartName}: ${detail}`;
    markTrue(obj, HelmReleaseCondition.TestSuccess, HelmReleaseReason.TestSucceeded, message);
    void this.#o.events?.info(obj, HelmReleaseReason.TestSucceeded, message, { revision: snapshot.chartVersion });
  }

  /** Rolls back to the previous good release (upgrade) or uninstalls (install, or strategy uninstall). */
  async #remediate(
    obj: HelmRelease,
    actions: HelmActions,
    active: ActiveAction,
    remediation: ResolvedRemediation,
    releases: StoredRelease[],
    ctx: ReconcileContext,
  ): Promise<void> {
    const status = statusOf(obj);
    const latest = releases[0];
    const namespace = status.storageNamespace ?? "";
    const name = defaultReleaseName(obj);
    if (active === "upgrade" && remediation.strategy === "rollback") {
      const previous = previousReleaseSnapshot(
        releases.map((r) => snapshotOf(r)),
        remediation.ignoreTestFailures,
      );
      if (!previous) {
        throw new StallingError(
          HelmReleaseReason.RollbackFailed,
          `Helm rollback failed for release ${namespace}/${name}: no previous successful release to roll back to`,
        );
      }
      try {
        await actions.rollback(previous.version);
      } catch (err: unknown) {
        const message = `Helm rollback to previous release ${fullReleaseName(previous)} with chart ${previous.chartName}@${previous.chartVersion} failed: ${errorMessage(err)}`;
        markFalse(obj, HelmReleaseCondition.Remediated, HelmReleaseReason.RollbackFailed, message);
        void this.#o.events?.error(obj, HelmReleaseReason.RollbackFailed, message);
        throw new ReleaseActionError(HelmReleaseReason.RollbackFailed, message, { cause: err });
      }
      const after = await this.#latest(namespace, name);
      if (after) this.#record(obj, after, ReleaseAction.Rollback, false);
      const message = `Helm rollback to previous release ${fullReleaseName(previous)} with chart ${previous.chartName}@${previous.chartVersion} succeeded`;
      markTrue(obj, HelmReleaseCondition.Remediated, HelmReleaseReason.RollbackSucceeded, message);
      ctx.log.info(message);
      void this.#o.events?.info(obj, HelmReleaseReason.RollbackSucceeded, message);
      return;
    }
    const rel = latest ? fullReleaseName(latest) : `${namespace}/${name}`;
    const chart = latest ? `${latest.chart.metadata.name}@${latest.chart.metadata.version}` : "";
    try {
      await actions.uninstall();
    } catch (err: unknown) {
      const message = `Helm uninstall failed for release ${rel} with chart ${chart}: ${errorMessage(err)}`;
      markFalse(obj, HelmReleaseCondition.Remediated, HelmReleaseReason.UninstallFailed, message);
      void this.#o.events?.error(obj, HelmReleaseReason.UninstallFailed, message);
      throw new ReleaseActionError(HelmReleaseReason.UninstallFailed, message, { cause: err });
    }
    const head = status.history?.[0];
    if (head) head.status = "uninstalled";
    const message = `Helm uninstall remediation for release ${rel} with chart ${chart} succeeded`;
    markTrue(obj, HelmReleaseCondition.Remediated, HelmReleaseReason.UninstallSucceeded, message);
    ctx.log.info(message);
    void this.#o.events?.info(obj, HelmReleaseReason.UninstallSucceeded, message);
  }

  /** Compares the release manifest with the cluster (server-side dry-run) and corrects or reports drift. */
  async #detectDrift(obj: HelmRelease, release: StoredRelease, ctx: ReconcileContext): Promise<void> {
    const mode = driftDetectionMode(obj.spec);
    if (mode === "disabled") {
      deleteCondition(obj, HelmReleaseCondition.Drifted);
      return;
    }
    const objects = (await manifestObjects(this.#o.client, release.manifest ?? "", release.namespace)).filter(
      (o) =>
        o.metadata.annotations?.[DriftDetectionMetadataKey] !== DriftDetectionDisabledValue &&
        o.metadata.labels?.[DriftDetectionMetadataKey] !== DriftDetectionDisabledValue,
    );
    const rules = (obj.spec.driftDetection?.ignore ?? []) as never[];
    const drifted: { object: UnstructuredObject; change: string }[] = [];
    for (const o of objects) {
      const diff = await this.#rm.diff(o, { driftIgnoreRules: rules, policyAnnotations: false });
      if (diff.entry.action === Action.Created || diff.entry.action === Action.Configured) {
        drifted.push({
          object: o,
          change: `${subjectOf(o)} ${diff.entry.action === Action.Created ? "removed" : "changed"}`,
        });
      }
    }
    const rel = fullReleaseName(release);
    if (drifted.length === 0) {
      markFalse(
        obj,
        HelmReleaseCondition.Drifted,
        HelmReleaseReason.NoDriftDetected,
        `No drift detected for release ${rel}`,
      );
      return;
    }
    const changes = drifted.map((d) => d.change).join(", ");
    if (mode === "warn") {
      const message = `Cluster state of release ${rel} has drifted from the desired state: ${changes}`;
      markTrue(obj, HelmReleaseCondition.Drifted, HelmReleaseReason.DriftDetected, message);
      void this.#o.events?.error(obj, HelmReleaseReason.DriftDetected, message);
      return;
    }
    try {
      await this.#rm.applyAll(
        drifted.map((d) => d.object),
        { driftIgnoreRules: rules, policyAnnotations: false },
      );
    } catch (err: unknown) {
      const message = `Failed to correct cluster state drift of release ${rel}: ${errorMessage(err)}`;
      markTrue(obj, HelmReleaseCondition.Drifted, HelmReleaseReason.DriftCorrectionFailed, message);
      void this.#o.events?.error(obj, HelmReleaseReason.DriftCorrectionFailed, message);
      return;
    }
    const message = `Cluster state of release ${rel} has been corrected: ${changes}`;
    markFalse(obj, HelmReleaseCondition.Drifted, HelmReleaseReason.DriftCorrected, message);
    ctx.log.info(message);
    void this.#o.events?.info(obj, HelmReleaseReason.DriftCorrected, message);
  }

  /** Conditions, observedGeneration and the handled request; patches the status. */
  async #finish(
    obj: HelmRelease,
    patcher: StatusPatcher<HelmRelease>,
    _old: HelmRelease,
    error: unknown,
    log: Logger,
  ): Promise<void> {
    const typed = error === undefined ? undefined : asReconcileError(error);
    if (typed?.kind === "stalling") {
      markStalled(obj, typed.reason, typed.message);
      deleteCondition(obj, ConditionType.Reconciling);
    } else {
      deleteCondition(obj, ConditionType.Stalled);
      if (typed && !(typed instanceof ReleaseActionError)) {
        markReconciling(obj, Reason.ProgressingWithRetry, typed.message);
      } else {
        deleteCondition(obj, ConditionType.Reconciling);
      }
    }
    summarizeHelmReleaseReady(obj);
    if (typed && typed.kind !== "stalling" && !(typed instanceof ReleaseActionError)) {
      markFalse(obj, ConditionType.Ready, typed.reason, typed.message);
      if (typed.kind === "waiting") log.info({ reason: typed.reason }, typed.message);
      else void this.#o.events?.error(obj, typed.reason, typed.message);
    }
    if (typed?.kind === "stalling") void this.#o.events?.error(obj, typed.reason, typed.message);
    if (!getCondition(obj, ConditionType.Ready))
      markUnknown(obj, ConditionType.Ready, Reason.Progressing, "reconciliation in progress");
    markReconcileRequestHandled(obj);
    const observed = typed === undefined || typed.kind === "stalling" || typed instanceof ReleaseActionError;
    try {
      await patcher.patch(obj, { observedGeneration: observed });
    } catch (err: unknown) {
      if (!isNotFound(err)) throw err;
    }
  }

  async #reconcileDelete(
    obj: HelmRelease,
    patcher: StatusPatcher<HelmRelease>,
    ctx: ReconcileContext,
  ): Promise<ReconcileResult> {
    if (!(obj.metadata.finalizers ?? []).includes(FINALIZER)) return {};
    if (!obj.spec.suspend) {
      try {
        const target = await this.#target(obj, ctx.signal);
        const latest = await this.#latest(target.namespace, target.name);
        if (latest && latest.info.status !== "uninstalled") {
          await new HelmActions(this.#o.helm, obj, target).uninstall();
          void this.#o.events?.info(
            obj,
            HelmReleaseReason.UninstallSucceeded,
            `Helm uninstall succeeded for release ${fullReleaseName(latest)} with chart ${latest.chart.metadata.name}@${latest.chart.metadata.version}`,
          );
        }
      } catch (err: unknown) {
        if (!(err instanceof StallingError)) {
          const message = `Helm uninstall failed for release of '${obj.metadata.namespace}/${obj.metadata.name}': ${errorMessage(err)}`;
          void this.#o.events?.error(obj, HelmReleaseReason.UninstallFailed, message);
          throw new GenericReconcileError(HelmReleaseReason.UninstallFailed, message, { cause: err });
        }
      }
    }
    if (obj.status?.helmChart) await deleteHelmChart(this.#o.client, obj.status.helmChart);
    obj.metadata.finalizers = (obj.metadata.finalizers ?? []).filter((f) => f !== FINALIZER);
    await patcher.patch(obj, { ignoreNotFound: true });
    return {};
  }
}
