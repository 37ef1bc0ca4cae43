// How a Helm action is carried out, kept apart from deciding which action to run. The action modules in
// src/release only talk to a ReleaseEngine; today's engine runs the real helm binary (HelmCliEngine), and an
// in-process engine (render once, own server-side apply, own release storage) can replace it without
// touching them.

import type { HelmRelease } from "@sluice/api";
import type { StoredRelease } from "@sluice/helm-storage";

/** Where one release lives and whose identity acts on it. */
export interface ReleaseTarget {
  /** Helm release name (`spec.releaseName`, or `[targetNamespace-]name`, shortened as Helm requires). */
  name: string;
  /** Namespace the release's objects are installed into (`spec.targetNamespace`, else the HelmRelease's). */
  namespace: string;
  /** Namespace of the release storage records (Secrets `sh.helm.release.v1.<name>.v<N>`). */
  storageNamespace: string;
  /** Kubeconfig text the engine connects with (the controller's, or `spec.kubeConfig.secretRef`'s). */
  kubeconfig: string;
  /** `system:serviceaccount:<ns>:<name>` to impersonate (`spec.serviceAccountName` / `--default-service-account`). */
  impersonate?: string | undefined;
  /** Aborts a running action (controller shutdown). */
  signal?: AbortSignal | undefined;
}

/** The chart an install or upgrade deploys. */
export interface ChartFiles {
  /** Directory holding Chart.yaml (already carrying the version the release records). */
  dir: string;
  name: string;
  version: string;
}

/** What an engine can do besides the actions every engine has. */
export interface EngineCapabilities {
  /**
   * Whether release storage may live in another namespace than the release (`spec.storageNamespace`,
   * Flux's default of the HelmRelease's namespace with `targetNamespace`). The helm CLI cannot: it stores
   * releases in the namespace it installs into.
   */
  separateStorageNamespace: boolean;
}

/**
 * Carries out Helm actions for a HelmRelease and reads Helm's release storage. Every action resolves when
 * Helm considers it done (including `--wait` and hooks) and rejects with {@link ReleaseActionError} carrying
 * Helm's own error text; the caller reads storage afterwards to see what the action recorded (a failed
 * action may still have written a failed release version).
 */
export interface ReleaseEngine {
  readonly capabilities: EngineCapabilities;
  /** Every stored version of the release (storage namespace, release name), newest first. */
  releases(target: ReleaseTarget): Promise<StoredRelease[]>;
  /** Installs the chart with `values` under `spec.install`'s options (CRD policy, hooks, wait, …). */
  install(hr: HelmRelease, target: ReleaseTarget, chart: ChartFiles, values: Record<string, unknown>): Promise<void>;
  /** Upgrades the release to the chart with `values` under `spec.upgrade`'s options and `spec.maxHistory`. */
  upgrade(hr: HelmRelease, target: ReleaseTarget, chart: ChartFiles, values: Record<string, unknown>): Promise<void>;
  /** Runs the release's test hooks (`spec.test` timeout and filters); results land in the stored release. */
  test(hr: HelmRelease, target: ReleaseTarget): Promise<void>;
  /** Rolls the release back to stored version `version` under `spec.rollback`'s options. */
  rollback(hr: HelmRelease, target: ReleaseTarget, version: number): Promise<void>;
  /** Uninstalls the release under `spec.uninstall`'s options (keepHistory, hooks, deletion propagation, wait). */
  uninstall(hr: HelmRelease, target: ReleaseTarget): Promise<void>;
  /** Marks a release left `pending-*` by an interrupted action as `failed` with `description` (unlock). */
  unlock(target: ReleaseTarget, release: StoredRelease, description: string): Promise<void>;
}

/** A Helm action that failed; the message is Helm's own error text. */
export class ReleaseActionError extends Error {
  constructor(
    /** The action (`install`, `upgrade`, `test`, `rollback`, `uninstall`, `unlock`). */
    readonly action: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = "ReleaseActionError";
  }
}

/** Helm's answer when uninstalling a release that is not in storage (Flux treats it as uninstalled). */
export function isReleaseNotFound(err: unknown): boolean {
  return err instanceof Error && /release: not found/.test(err.message);
}
