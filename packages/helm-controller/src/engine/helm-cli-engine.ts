// The ReleaseEngine that runs the real helm 4 binary: each action is one helm process with a private 0600
// kubeconfig, values file and post-render config (HelmRunner); CRD policies the CLI lacks are server-side
// applied by the controller; release storage is read (and unlocked) through the Kubernetes API.

import { HELM_FIELD_MANAGER, HELM_GROUP, type HelmRelease } from "@sluice/api";
import { listReleaseVersions, markReleaseFailed, type StoredRelease } from "@sluice/helm-storage";
import { errorMessage, type KubeClient, ResourceManager } from "@sluice/runtime";
import { HelmCommandError, type HelmRunner } from "../internal/helm/index.js";
import { postRender, postRenderConfig } from "../internal/postrender/post-render.js";
import { applyCrdsPolicy } from "./chart-crds.js";
import { HelmCommands, type HelmCommandTarget } from "./helm-cli-commands.js";
import {
  type ChartFiles,
  type EngineCapabilities,
  ReleaseActionError,
  type ReleaseEngine,
  type ReleaseTarget,
} from "./release-engine.js";
import { stageReleaseRecords, unstageReleaseRecords } from "./release-storage-relocation.js";

const renderWith = (config: ReturnType<typeof postRenderConfig>) => (manifests: string) =>
  postRender(manifests, config);

/** Options of {@link HelmCliEngine}. */
export interface HelmCliEngineOptions {
  /** Reads and unlocks release storage, applies CRD policies. */
  client: KubeClient;
  /** Runs helm (private homes, HELM_PLUGINS with the post-renderer plugin when `postRender`). */
  helm: HelmRunner;
  /** kubectl for the kustomize post-renderer. */
  kubectlPath: string;
  /** Whether the post-renderer plugin is installed in the runner's HELM_PLUGINS. */
  postRender: boolean;
}

/**
 * Runs Helm actions with the helm CLI. The CLI keeps release storage in the namespace it installs into; to keep
 * Flux's layout (`storageNamespace`, the HelmRelease's namespace by default) the records are staged into the
 * release namespace for each helm command and moved back afterwards (release-storage-relocation.ts).
 * `crds: CreateReplace` on install and any upgrade CRD policy are applied by the controller before helm runs
 * (helm only creates a chart's `crds/` on install).
 */
export class HelmCliEngine implements ReleaseEngine {
  readonly capabilities: EngineCapabilities = { separateStorageNamespace: true };
  readonly #o: HelmCliEngineOptions;
  readonly #crds: ResourceManager;

  constructor(options: HelmCliEngineOptions) {
    this.#o = options;
    this.#crds = new ResourceManager({
      client: options.client,
      owner: { field: HELM_FIELD_MANAGER, group: HELM_GROUP },
    });
  }

  async releases(target: ReleaseTarget): Promise<StoredRelease[]> {
    await unstageReleaseRecords(this.#o.client, target, true);
    return listReleaseVersions(this.#o.client, target.storageNamespace, target.name);
  }

  async install(hr: HelmRelease, target: ReleaseTarget, chart: ChartFiles, values: Record<string, unknown>) {
    const policy = hr.spec.install?.crds ?? (hr.spec.install?.skipCRDs ? "Skip" : "Create");
    await this.#run("install", target, async () => {
      // helm creates missing CRDs on install; CreateReplace needs them applied before.
      if (policy === "CreateReplace") await applyCrdsPolicy(this.#o.client, this.#crds, chart.dir, policy);
      await this.#commands(hr, target).install(chart.dir, JSON.stringify(values), policy !== "Create");
    });
  }

  async upgrade(hr: HelmRelease, target: ReleaseTarget, chart: ChartFiles, values: Record<string, unknown>) {
    await this.#run("upgrade", target, async () => {
      await applyCrdsPolicy(this.#o.client, this.#crds, chart.dir, hr.spec.upgrade?.crds ?? "Skip");
      await this.#commands(hr, target).upgrade(chart.dir, JSON.stringify(values));
    });
  }

  async test(hr: HelmRelease, target: ReleaseTarget) {
    await this.#run("test", target, () => this.#commands(hr, target).test());
  }

  async rollback(hr: HelmRelease, target: ReleaseTarget, version: number) {
    await this.#run("rollback", target, () => this.#commands(hr, target).rollback(version));
  }

  async uninstall(hr: HelmRelease, target: ReleaseTarget) {
    await this.#run("uninstall", target, () => this.#commands(hr, target).uninstall());
  }

  async unlock(_target: ReleaseTarget, release: StoredRelease, description: string) {
    await this.#run("unlock", undefined, () => markReleaseFailed(this.#o.client, release, description));
  }

  #commands(hr: HelmRelease, target: ReleaseTarget): HelmCommands {
    const withPostRender: HelmCommandTarget = {
      ...target,
      ...(this.#o.postRender ? { postRender: renderWith(postRenderConfig(hr, this.#o.kubectlPath)) } : {}),
    };
    return new HelmCommands(this.#o.helm, hr, withPostRender);
  }

  /**
   * Runs `fn` (a helm command on `target`, its records staged around it), turning any failure into a
   * {@link ReleaseActionError} with helm's (or the API's) message.
   */
  async #run(action: string, target: ReleaseTarget | undefined, fn: () => Promise<unknown>): Promise<void> {
    try {
      if (target) await stageReleaseRecords(this.#o.client, target);
      try {
        await fn();
      } finally {
        // Whatever helm wrote (a failed version too) goes back to the storage namespace.
        if (target) await unstageReleaseRecords(this.#o.client, target);
      }
    } catch (err: unknown) {
      if (err instanceof ReleaseActionError) throw err;
      const message = err instanceof HelmCommandError ? err.message : errorMessage(err);
      throw new ReleaseActionError(action, message, { cause: err });
    }
  }
}
