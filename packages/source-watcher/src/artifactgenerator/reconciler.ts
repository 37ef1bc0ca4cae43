// The ArtifactGenerator reconciler (source.extensions.fluxcd.io/v1beta1): reads the artifacts of the sources it
// names, and when they (or the spec) changed, rebuilds each output artifact from copy operations, stores it, and
// applies an ExternalArtifact pointing at it; ExternalArtifacts no longer generated are deleted.

import { createHash } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  ARTIFACT_GENERATOR_FINALIZER,
  ARTIFACT_GENERATOR_LABEL,
  ARTIFACT_GENERATOR_RECONCILE_ANNOTATION,
  type Artifact,
  type ArtifactGenerator,
  ArtifactGeneratorReason,
  ConditionType,
  type ExternalArtifactReference,
  Reason,
  SOURCE_API_VERSION,
  SOURCE_EXTENSIONS_API_VERSION,
} from "@sluice/api";
import {
  type EventSink,
  errorMessage,
  fetchArtifact,
  GenericReconcileError,
  getCondition,
  isFalse,
  isNotFound,
  type KubeClient,
  markReconciling,
  markTrue,
  markUnknown,
  type ReconcileContext,
  type ReconcileResult,
  type ReconcileRun,
  type Reconciler,
  readySetDirectly,
  StallingError,
  StepReconciler,
  type StepResult,
  step,
  type UnstructuredObject,
} from "@sluice/runtime";
import type { ArtifactStorage } from "@sluice/source-controller/storage";
import { buildArtifact, EXTERNAL_ARTIFACT_KIND, type ObservedSource, withRevisions } from "./build.js";
import { type ArtifactRequest, buildArtifactRequests, PathPatternError } from "./path-pattern.js";

/** The controller name: field manager, event reporter and `app.kubernetes.io/managed-by` value. */
export const SOURCE_WATCHER_NAME = "source-watcher";
/** How often a Ready generator checks its sources again (Flux: one hour; source watches trigger it sooner). */
export const ARTIFACT_GENERATOR_INTERVAL_MS = 60 * 60 * 1000;

/** Default `--requeue-dependency`: retry delay while a source is missing or not ready (Flux: 5 s). */
export const DEFAULT_DEPENDENCY_REQUEUE_MS = 5_000;

/** Options of {@link ArtifactGeneratorReconciler}. */
export interface ArtifactGeneratorReconcilerOptions {
  client: KubeClient;
  storage: ArtifactStorage;
  events?: EventSink | undefined;
  /** `--no-cross-namespace-refs`: sources in other namespaces stall the generator (AccessDenied). */
  noCrossNamespaceRefs?: boolean | undefined;
  /** `--requeue-dependency` in ms: retry delay while a source is missing or not ready (default 5 s). */
  dependencyRequeueMs?: number | undefined;
  /** `--http-retry`: source artifact download retries (default 9). */
  artifactFetchRetries?: number | undefined;
  /** `SOURCE_CONTROLLER_LOCALHOST`: host:port replacing the source artifact URLs'. */
  artifactHostOverride?: string | undefined;
}

interface GeneratorRun {
  workspace: string;
  observed: Map<string, ObservedSource>;
  observedDigest: string;
  inventory: ExternalArtifactReference[];
}
/** An ArtifactGenerator as the step skeleton sees it (the kind has no `spec.suspend`; it is never set). */
type Generator = ArtifactGenerator & { spec: ArtifactGenerator["spec"] & { suspend?: boolean } };
type Run = ReconcileRun<Generator, GeneratorRun>;

/**
 * Reconciles ArtifactGenerators through the runtime's step skeleton, Ready set directly as Flux's source-watcher:
 * - disabled (`source.extensions.fluxcd.io/reconcile: disabled`): nothing is done (event ReconciliationDisabled);
 * - validateSpec: duplicate aliases or artifact names, unknown `revision` aliases → Stalled ValidationFailed; a
 *   cross-namespace source with `--no-cross-namespace-refs` → Stalled AccessDenied;
 * - observeSources: a source missing or without artifact → Ready=False SourceFetchFailed, retried after
 *   `--requeue-dependency`; when nothing drifted (same generation, same sources digest, every inventory file in
 *   storage and every ExternalArtifact as recorded) the run ends here;
 * - fetchSources: each source's artifact downloaded and verified (SourceFetchFailed, retried);
 * - buildArtifacts: with `pathPattern`, the output artifacts expanded per matching source directory (a bad pattern,
 *   capture or rendered name → Stalled BuildFailed `failed to expand path pattern: …`); each staged, archived and its ExternalArtifact applied (BuildFailed,
 *   ReconciliationFailed); ExternalArtifacts of artifacts no longer in the spec deleted with their storage;
 *   Ready=True Succeeded `reconciliation succeeded, generated N artifact(s)`.
 * Deletion removes every generated ExternalArtifact and its storage.
 */
export class ArtifactGeneratorReconciler implements Reconciler<ArtifactGenerator> {
  readonly #o: ArtifactGeneratorReconcilerOptions;
  readonly #skeleton: StepReconciler<Generator, GeneratorRun>;

  constructor(options: ArtifactGeneratorReconcilerOptions) {
    this.#o = options;
    this.#skeleton = new StepReconciler<Generator, GeneratorRun>({
      apiVersion: SOURCE_EXTENSIONS_API_VERSION,
      kind: "ArtifactGenerator",
      client: options.client,
      fieldManager: SOURCE_WATCHER_NAME,
      ownedConditions: [ConditionType.Ready, ConditionType.Reconciling, ConditionType.Stalled],
      finalizer: ARTIFACT_GENERATOR_FINALIZER,
      events: options.events,
      newState: () => ({ workspace: "", observed: new Map(), observedDigest: "", inventory: [] }),
      steps: [
        step("checkDisabled", (run) => this.#checkDisabled(run)),
        step("validateSpec", (run) => this.#validateSpec(run)),
        step("observeSources", (run) => this.#observeSources(run)),
        step("fetchSources", (run) => this.#fetchSources(run)),
        step("buildArtifacts", (run) => this.#buildArtifacts(run)),
      ],
      summarize: readySetDirectly,
      interval: () => ARTIFACT_GENERATOR_INTERVAL_MS,
      finalize: (run) => this.#deleteArtifacts(run, run.obj.status?.inventory ?? []),
    });
  }

  /** Runs one reconcile of `obj`; see the class comment. */
  reconcile(obj: ArtifactGenerator, ctx: ReconcileContext): Promise<ReconcileResult> {
    return this.#skeleton.reconcile(obj, ctx);
  }

  #checkDisabled(run: Run): StepResult | undefined {
    const value = run.obj.metadata.annotations?.[ARTIFACT_GENERATOR_RECONCILE_ANNOTATION];
    if (value?.toLowerCase() !== "disabled") return undefined;
    const msg = "Reconciliation is disabled";
    run.log.info(msg);
    run.event("trace", ArtifactGeneratorReason.ReconciliationDisabled, msg);
    return "up-to-date";
  }

  #validateSpec(run: Run): void {
    const { obj } = run;
    const fail = (reason: string, message: string) => {
      throw new StallingError(reason, message);
    };
    const aliases = new Set<string>();
    for (const src of obj.spec.sources) {
      if (aliases.has(src.alias))
        fail(ArtifactGeneratorReason.ValidationFailed, `duplicate source alias '${src.alias}' found`);
      aliases.add(src.alias);
      if (this.#o.noCrossNamespaceRefs && src.namespace && src.namespace !== obj.metadata.namespace) {
        fail(
          ArtifactGeneratorReason.AccessDenied,
          `cross-namespace reference to source ${src.kind}/${src.namespace}/${src.name} is not allowed`,
        );
      }
    }
    const names = new Set<string>();
    for (const a of obj.spec.artifacts) {
      if (names.has(a.name))
        fail(ArtifactGeneratorReason.ValidationFailed, `duplicate artifact name '${a.name}' found`);
      names.add(a.name);
      if (a.revision && !aliases.has(a.revision.slice(1))) {
        fail(
          ArtifactGeneratorReason.ValidationFailed,
          `artifact ${a.name} revision source alias '${a.revision.slice(1)}' not found`,
        );
      }
    }
  }

  /** Reads each source's artifact; ends the run when nothing drifted since the last generation. */
  async #observeSources(run: Run): Promise<StepResult | undefined> {
    const { obj, state } = run;
    for (const src of obj.spec.sources) {
      const namespace = src.namespace || obj.metadata.namespace || "";
      let source: (UnstructuredObject & { status?: { artifact?: Artifact } }) | undefined;
      try {
        source = await this.#o.client.getOptional({
          apiVersion: SOURCE_API_VERSION,
          kind: src.kind,
          namespace,
          name: src.name,
        });
      } catch (err: unknown) {
        this.#sourceFailed(`get sources failed: unable to get source '${namespace}/${src.name}': ${errorMessage(err)}`);
      }
      if (!source) this.#sourceFailed(`get sources failed: ${src.kind} '${namespace}/${src.name}' not found`);
      const artifact = source?.status?.artifact;
      if (!artifact)
        this.#sourceFailed(`get sources failed: source '${src.kind}/${namespace}/${src.name}' is not ready`);
      state.observed.set(src.alias, {
        digest: artifact.digest,
        revision: artifact.revision,
        url: artifact.url,
        originRevision: artifact.metadata?.["org.opencontainers.image.revision"],
      });
    }
    state.observedDigest = hashObservedSources(state.observed);
    const drift = await this.#drift(run);
    if (!drift) {
      const msg = `No drift detected, ${obj.status?.inventory?.length ?? 0} artifact(s) up to date`;
      run.log.info(msg);
      return "up-to-date";
    }
    run.log.info({ reason: drift }, "Reconciliation in progress");
    markReconciling(obj, Reason.Progressing, "Reconciliation in progress");
    markUnknown(obj, ConditionType.Ready, Reason.Progressing, "Reconciliation in progress");
    await run.patch();
    return undefined;
  }

  #sourceFailed(message: string): never {
    throw new GenericReconcileError(ArtifactGeneratorReason.SourceFetchFailed, message, {
      retryAfter: this.#o.dependencyRequeueMs ?? DEFAULT_DEPENDENCY_REQUEUE_MS,
    });
  }

  /** Why the generator must rebuild (Flux's detectDrift reasons), or undefined when nothing changed. */
  async #drift(run: Run): Promise<string | undefined> {
    const { obj, state } = run;
    if (isFalse(obj, ConditionType.Ready) || !getCondition(obj, ConditionType.Ready)) return "NotReady";
    if (getCondition(obj, ConditionType.Ready)?.observedGeneration !== obj.metadata.generation)
      return "GenerationChanged";
    if (obj.status?.observedSourcesDigest !== state.observedDigest) return "SourcesChanged";
    const inventory = obj.status?.inventory ?? [];
    // With pathPattern the number of artifacts follows the source's directories, not the spec.
    if (inventory.length !== obj.spec.artifacts.length && !obj.spec.pathPattern) return "ArtifactsChanged";
    for (const ref of inventory) {
      const artifact = { path: artifactFile(ref), digest: ref.digest };
      if (!(await this.#o.storage.exists(artifact))) return "ArtifactMissing";
      try {
        await this.#o.storage.verify(artifact);
      } catch {
        await this.#o.storage.remove(artifact).catch(() => undefined);
        return "ArtifactCorrupted";
      }
    }
    const listed = await this.#o.client.list<UnstructuredObject & { status?: { artifact?: Artifact } }>(
      SOURCE_API_VERSION,
      EXTERNAL_ARTIFACT_KIND,
      {
        namespace: obj.metadata.namespace ?? "",
        labelSelector: `${ARTIFACT_GENERATOR_LABEL}=${obj.metadata.uid ?? ""}`,
      },
    );
    const items = listed.items;
    if (items.length !== inventory.length) return "ExternalArtifactsChanged";
    for (const ea of items) {
      const known = inventory.some(
        (r) =>
          r.name === ea.metadata.name &&
          r.namespace === ea.metadata.namespace &&
          r.digest === ea.status?.artifact?.digest,
      );
      if (!known) return "ExternalArtifactsChanged";
    }
    return undefined;
  }

  async #fetchSources(run: Run): Promise<void> {
    const { state } = run;
    state.workspace = await mkdtemp(join(tmpdir(), "ag-"));
    const workspace = state.workspace;
    run.defer(() => rm(workspace, { recursive: true, force: true }));
    for (const [alias, src] of state.observed) {
      try {
        await fetchArtifact(
          src.url,
          src.digest,
          { retries: this.#o.artifactFetchRetries ?? 9, hostOverride: this.#o.artifactHostOverride },
          join(workspace, `source-${alias}`),
        );
      } catch (err: unknown) {
        this.#sourceFailed(`fetch sources failed: ${errorMessage(err)}`);
      }
    }
  }

  async #buildArtifacts(run: Run): Promise<void> {
    const { obj, state } = run;
    const namespace = obj.metadata.namespace ?? "";
    const sources = new Map(
      [...state.observed.keys()].map((alias) => [alias, join(state.workspace, `source-${alias}`)]),
    );
    const previous = obj.status?.inventory ?? [];
    const refs: ExternalArtifactReference[] = [];
    let requests: ArtifactRequest[];
    try {
      requests = await buildArtifactRequests(obj.spec.pathPattern, obj.spec.artifacts, sources);
    } catch (err: unknown) {
      const message = `failed to expand path pattern: ${errorMessage(err)}`;
      if (err instanceof PathPatternError) throw new StallingError(Reason.BuildFailed, message, { cause: err });
      throw new GenericReconcileError(Reason.BuildFailed, message, { cause: err });
    }
    for (const { spec, labels } of requests) {
      let artifact: Artifact;
      try {
        artifact = withRevisions(
          await buildArtifact(this.#o.storage, spec, sources, namespace, state.workspace),
          spec,
          state.observed,
        );
      } catch (err: unknown) {
        throw new GenericReconcileError(Reason.BuildFailed, `${spec.name} build failed: ${errorMessage(err)}`, {
          cause: err,
        });
      }
      try {
        await this.#applyExternalArtifact(obj, spec.name, artifact, labels);
      } catch (err: unknown) {
        throw new GenericReconcileError(
          Reason.ReconciliationFailed,
          `${spec.name} reconcile failed: failed to apply ExternalArtifact: ${errorMessage(err)}`,
          { cause: err },
        );
      }
      const ref = {
        name: spec.name,
        namespace,
        digest: artifact.digest,
        filename: artifact.path.slice(artifact.path.lastIndexOf("/") + 1),
      };
      refs.push(ref);
      const known = previous.some(
        (p) => p.name === ref.name && p.namespace === ref.namespace && p.digest === ref.digest,
      );
      if (!known) {
        const msg = `${EXTERNAL_ARTIFACT_KIND}/${namespace}/${spec.name} reconciled with revision ${artifact.revision}`;
        run.log.info(msg);
        run.event("trace", ConditionType.Ready, msg);
      }
      await this.#o.storage.garbageCollect({ path: artifact.path }).catch((err: unknown) => {
        run.log.error({ error: err, path: artifact.path }, "failed to garbage collect artifacts");
      });
    }
    const orphans = previous.filter((p) => !refs.some((r) => r.name === p.name && r.namespace === p.namespace));
    await this.#deleteArtifacts(run, orphans);

    if (!obj.status) obj.status = {};
    obj.status.inventory = refs;
    obj.status.observedSourcesDigest = state.observedDigest;
    markTrue(
      obj,
      ConditionType.Ready,
      Reason.Succeeded,
      `reconciliation succeeded, generated ${refs.length} artifact(s)`,
    );
    const changed = refs.filter(
      (r) => !previous.some((p) => p.name === r.name && p.namespace === r.namespace && p.digest === r.digest),
    );
    if (changed.length > 0) {
      run.event(
        "info",
        ConditionType.Ready,
        `external artifacts reconciled: ${changed.map((r) => `${r.namespace}/${r.name} (${r.digest})`).join("\n")}`,
      );
    }
  }

  /**
   * Applies the ExternalArtifact (labels: commonMetadata's, then the pathPattern captures, then the generator's;
   * sourceRef) then its status (the artifact, Ready=True), as Flux.
   */
  async #applyExternalArtifact(
    obj: ArtifactGenerator,
    name: string,
    artifact: Artifact,
    captured?: Record<string, string>,
  ): Promise<void> {
    const namespace = obj.metadata.namespace ?? "";
    const labels: Record<string, string> = { ...(obj.spec.commonMetadata?.labels ?? {}), ...(captured ?? {}) };
    labels["app.kubernetes.io/managed-by"] = SOURCE_WATCHER_NAME;
    labels[ARTIFACT_GENERATOR_LABEL] = obj.metadata.uid ?? "";
    const annotations = obj.spec.commonMetadata?.annotations;
    const base = { apiVersion: SOURCE_API_VERSION, kind: EXTERNAL_ARTIFACT_KIND };
    const applied = await this.#o.client.apply<UnstructuredObject>(
      {
        ...base,
        metadata: {
          name,
          namespace,
          labels,
          ...(annotations && Object.keys(annotations).length > 0 ? { annotations } : {}),
        },
        spec: {
          sourceRef: {
            apiVersion: SOURCE_EXTENSIONS_API_VERSION,
            kind: "ArtifactGenerator",
            name: obj.metadata.name,
            namespace,
          },
        },
      } as UnstructuredObject,
      { fieldManager: SOURCE_WATCHER_NAME, force: true },
    );
    const generation = applied.metadata.generation ?? 1;
    await this.#o.client.apply(
      {
        ...base,
        metadata: { name, namespace },
        status: {
          artifact,
          conditions: [
            {
              observedGeneration: generation,
              type: ConditionType.Ready,
              status: "True",
              lastTransitionTime: new Date().toISOString().replace(/\.\d+Z$/, "Z"),
              reason: Reason.Succeeded,
              message: "Artifact is ready",
            },
          ],
        },
      } as UnstructuredObject,
      { fieldManager: SOURCE_WATCHER_NAME, subresource: "status" },
    );
  }

  /** Deletes the ExternalArtifacts of `refs` and their stored files (deletion and orphans). */
  async #deleteArtifacts(run: Run, refs: readonly ExternalArtifactReference[]): Promise<void> {
    for (const ref of refs) {
      const removed = await this.#o.storage.removeObject(EXTERNAL_ARTIFACT_KIND, ref).catch((err: unknown) => {
        run.log.error(
          { error: err },
          `failed to remove ${EXTERNAL_ARTIFACT_KIND}/${ref.namespace}/${ref.name} from storage`,
        );
        return undefined;
      });
      if (removed)
        run.log.info({ path: removed }, `${EXTERNAL_ARTIFACT_KIND}/${ref.namespace}/${ref.name} deleted from storage`);
      try {
        await this.#o.client.delete({
          apiVersion: SOURCE_API_VERSION,
          kind: EXTERNAL_ARTIFACT_KIND,
          namespace: ref.namespace,
          name: ref.name,
        });
        run.log.info(`${EXTERNAL_ARTIFACT_KIND}/${ref.namespace}/${ref.name} deleted from cluster`);
      } catch (err: unknown) {
        if (!isNotFound(err)) {
          throw new GenericReconcileError(
            Reason.ReconciliationFailed,
            `failed to delete ${EXTERNAL_ARTIFACT_KIND}/${ref.namespace}/${ref.name}: ${errorMessage(err)}`,
            { cause: err },
          );
        }
      }
    }
  }
}

/** The storage path of an inventory entry: `ExternalArtifact/<namespace>/<name>/<filename>`. */
function artifactFile(ref: ExternalArtifactReference): string {
  return `${EXTERNAL_ARTIFACT_KIND}/${ref.namespace}/${ref.name}/${ref.filename}`;
}

/** Flux's HashObservedSources: sha256 over the sorted `alias=[digest=…,revision=…,url=…]` strings. */
export function hashObservedSources(sources: ReadonlyMap<string, ObservedSource>): string {
  const parts = [...sources].map(([alias, s]) => `${alias}=[digest=${s.digest},revision=${s.revision},url=${s.url}]`);
  parts.sort();
  return `sha256:${createHash("sha256").update(parts.join("|")).digest("hex")}`;
}
