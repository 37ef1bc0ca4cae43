// The GitRepository reconciler (source.toolkit.fluxcd.io/v1): turns a Git reference into a tar.gz artifact in
// storage, with Flux's conditions, reasons, messages, status fields and events.

import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  type Artifact,
  DEFAULT_SOURCE_TIMEOUT,
  type GitRepository,
  parseDuration,
  Reason,
  SOURCE_API_VERSION,
  SourceCondition,
  SourceKind,
  SourceReason,
} from "@sluice/api";
import {
  authFromSecretData,
  type CheckoutResult,
  checkout,
  type GitAuth,
  GitError,
  parseGitUrl,
  SignatureVerificationError,
  verificationKeysFromSecretData,
  verifyCommitSignature,
  verifyTagSignature,
} from "@sluice/git";
import { deleteCondition, isFalse, markFalse, markTrue } from "@sluice/runtime/conditions";
import type { ReconcileContext, ReconcileResult, Reconciler } from "@sluice/runtime/controller";
import { errorMessage, GenericReconcileError, StallingError, WaitingError } from "@sluice/runtime/errors";
import type { EventRecorder } from "@sluice/runtime/events";
import type { KubeClient } from "@sluice/runtime/kube";
import {
  type ReconcileRun,
  StepReconciler,
  type StepResult,
  step,
  summarizeReadyFrom,
} from "@sluice/runtime/reconcile";
import { loadSourceIgnore } from "../internal/ignore/index.js";
import {
  fetchFailed,
  progressiveStatus,
  readSecretData,
  reportProgress,
  SOURCE_CONTROLLER_NAME,
  SourceSteps,
  storageFailed,
} from "../internal/reconcile/index.js";
import type { ArtifactStorage } from "../internal/storage/index.js";
import { GIT_REPOSITORY_FAIL_CONDITIONS, GIT_REPOSITORY_OWNED_CONDITIONS, GIT_REPOSITORY_READY } from "./conditions.js";
import {
  contentConfigChanged,
  includedArtifactsDiffer,
  includeFromPath,
  includeToPath,
  verificationMode,
} from "./content-config.js";

export { SOURCE_CONTROLLER_NAME };

/** Default `--requeue-dependency`: how long to wait for an included GitRepository's artifact. */
export const DEFAULT_DEPENDENCY_REQUEUE_MS = 30_000;

/** Options of {@link GitRepositoryReconciler}. */
export interface GitRepositoryReconcilerOptions {
  /** Client for status/finalizer writes and for reading Secrets and included GitRepositories. */
  client: KubeClient;
  /** Where artifacts are written (and garbage collected). */
  storage: ArtifactStorage;
  /** Where Kubernetes and Flux events go (none when absent). */
  events?: EventRecorder | undefined;
  /** Field manager of status writes (default `source-controller`). */
  controllerName?: string | undefined;
  /** `--requeue-dependency` in milliseconds (default 30 s). */
  dependencyRequeueMs?: number | undefined;
  /** Parent of the temporary checkout directories (default the OS temp dir). */
  workDir?: string | undefined;
}

/** What one run's steps share: the checkout directory, and what the source step learnt for the artifact step. */
interface GitRun {
  /** The temporary checkout directory (removed when the steps end). */
  dir: string;
  /** The checked-out (or, when skipped, the remote) commit. */
  commit?: CheckoutResult;
  /** Artifacts of `spec.include`, in spec order. */
  includes: Artifact[];
}

/**
 * Reconciles GitRepositories as Flux's source-controller does, through the runtime's reconcile skeleton
 * (deletion → removes the object's storage directory; finalizer; `spec.suspend`), with these steps:
 *
 * 1. progress: Reconciling/Ready Unknown, persisted at once for a new generation or a requested run;
 * 2. storage: an artifact missing from storage or failing its digest check is dropped (Reconciling
 *    "building artifact"); the artifact URL follows the advertised address;
 * 3. source: credentials from `spec.secretRef` (AuthenticationFailed), includes (IncludeUnavailable, a
 *    WaitingError), the checkout — skipped after one ref lookup when the remote still points at the stored
 *    commit and nothing else changed, which ends the run as up to date — (FetchFailed with
 *    GitOperationFailed/AuthenticationFailed/URLInvalid; a bad URL or semver range stalls), signature
 *    verification (SourceVerified), ArtifactOutdated/NewRevision;
 * 4. artifact: includes copied in, `.sourceignore`/`spec.ignore` applied, the tar.gz archived
 *    (StorageOperationFailed on failure) and `status.artifact`, `observedIgnore`, `observedInclude`, … set;
 *    ArtifactInStorage "stored artifact for revision '<rev>'".
 *
 * Ready is summarized from those conditions (GIT_REPOSITORY_READY); a new artifact emits a `NewArtifact`
 * event with the revision and digest; old artifacts are garbage collected; the object is requeued after
 * `spec.interval`.
 */
export class GitRepositoryReconciler implements Reconciler<GitRepository> {
  readonly #client: KubeClient;
  readonly #storage: ArtifactStorage;
  readonly #dependencyRequeueMs: number;
  readonly #workDir: string;
  readonly #steps: SourceSteps;
  readonly #skeleton: StepReconciler<GitRepository, GitRun>;

  constructor(options: GitRepositoryReconcilerOptions) {
    this.#client = options.client;
    this.#storage = options.storage;
    this.#dependencyRequeueMs = options.dependencyRequeueMs ?? DEFAULT_DEPENDENCY_REQUEUE_MS;
    this.#workDir = options.workDir ?? tmpdir();
    this.#steps = new SourceSteps(options.storage);
    this.#skeleton = new StepReconciler<GitRepository, GitRun>({
      apiVersion: SOURCE_API_VERSION,
      kind: SourceKind.GitRepository,
      client: options.client,
      fieldManager: options.controllerName ?? SOURCE_CONTROLLER_NAME,
      ownedConditions: GIT_REPOSITORY_OWNED_CONDITIONS,
      events: options.events,
      newState: () => ({ dir: "", includes: [] }),
      steps: [
        step("reportProgress", reportProgress),
        step("reconcileStorage", async (run) => {
          await this.#steps.reconcileStorage(run);
        }),
        step("reconcileSource", (run) => this.#reconcileSource(run)),
        step("reconcileArtifact", (run) => this.#reconcileArtifact(run)),
      ],
      summarize: summarizeReadyFrom(GIT_REPOSITORY_READY),
      interval: (obj) => parseDuration(obj.spec.interval),
      finalize: (run) => this.#finalize(run),
      afterPatch: async (run, outcome) => {
        if (!outcome.error) {
          const subject = run.state.commit?.subject;
          const message = (a: Artifact) => `stored artifact for commit '${subject ?? a.revision}'`;
          this.#steps.announceArtifact(run, message, GIT_REPOSITORY_FAIL_CONDITIONS);
        }
        await this.#steps.garbageCollect(run);
      },
    });
  }

  /** Runs one reconcile of `obj` (a private copy from the cache); see the class comment. */
  reconcile(obj: GitRepository, ctx: ReconcileContext): Promise<ReconcileResult> {
    return this.#skeleton.reconcile(obj, ctx);
  }

  /**
   * Credentials, includes, checkout, verification and the revision observation. Ends the run as up to date
   * when the remote still points at the stored artifact.
   */
  async #reconcileSource(run: ReconcileRun<GitRepository, GitRun>): Promise<StepResult | undefined> {
    const { obj, state } = run;
    // A failed verification is recomputed; a successful one stands for the previous revision until then.
    if (isFalse(obj, SourceCondition.SourceVerified)) deleteCondition(obj, SourceCondition.SourceVerified);

    try {
      parseGitUrl(obj.spec.url);
    } catch (err: unknown) {
      const e = new StallingError(SourceReason.URLInvalid, errorMessage(err), { cause: err });
      markTrue(obj, SourceCondition.FetchFailed, e.reason, e.message);
      throw e;
    }

    this.#checkUnsupported(obj);
    const auth = await this.#auth(obj);
    const includes = await this.#fetchIncludes(obj);

    if (includedArtifactsDiffer(includes, obj.status?.includedArtifacts)) {
      const message = "included artifacts differ from last observed includes";
      if (obj.status?.includedArtifacts) {
        markTrue(obj, SourceCondition.ArtifactOutdated, "IncludeChange", message);
      }
      progressiveStatus(true, obj, Reason.Progressing, `building artifact: ${message}`);
      await run.patch();
    }
    deleteCondition(obj, SourceCondition.ArtifactOutdated);
    state.includes = includes;

    state.dir = await this.#workingDirectory(obj);
    run.defer(() => rm(state.dir, { recursive: true, force: true }));
    const stored = obj.status?.artifact;
    const canSkip = stored !== undefined && !contentConfigChanged(obj, includes);
    const commit = await this.#checkout(obj, state.dir, auth, canSkip ? stored.revision : undefined, run.signal);
    state.commit = commit;
    if (commit.skipped) {
      run.log.info(`no changes since last reconciliation: observed revision '${commit.revision}'`);
      deleteCondition(obj, SourceCondition.FetchFailed);
      markTrue(
        obj,
        SourceCondition.ArtifactInStorage,
        Reason.Succeeded,
        `stored artifact for revision '${commit.revision}'`,
      );
      return "up-to-date";
    }
    run.log.debug({ revision: commit.revision }, "git repository checked out");
    deleteCondition(obj, SourceCondition.FetchFailed);

    await this.#verifySignature(run, commit);

    if (stored?.revision !== commit.revision) {
      const message = `new upstream revision '${commit.revision}'`;
      if (stored) markTrue(obj, SourceCondition.ArtifactOutdated, SourceReason.NewRevision, message);
      progressiveStatus(true, obj, Reason.Progressing, `building artifact: ${message}`);
      await run.patch();
    }
    return undefined;
  }

  /** A temporary directory for the checkout (StorageOperationFailed/DirCreationFailed when it can't be made). */
  async #workingDirectory(obj: GitRepository): Promise<string> {
    try {
      return await mkdtemp(join(this.#workDir, `gitrepository-${obj.metadata.namespace}-${obj.metadata.name}-`));
    } catch (err: unknown) {
      throw storageFailed(
        obj,
        SourceReason.DirCreationFailed,
        `failed to create temporary working directory: ${errorMessage(err)}`,
        err,
      );
    }
  }

  /**
   * Refuses, as a stalling FetchFailed, settings this controller cannot honour yet instead of silently
   * ignoring them: a cloud `spec.provider` (aws, azure, github) and `spec.proxySecretRef`.
   */
  #checkUnsupported(obj: GitRepository): void {
    const provider = obj.spec.provider;
    if (provider && provider !== "generic") {
      const e = new StallingError(
        SourceReason.InvalidProviderConfiguration,
        `failed to configure authentication options: provider '${provider}' is not supported by this source-controller; use 'generic' with a secretRef`,
      );
      markTrue(obj, SourceCondition.FetchFailed, e.reason, e.message);
      throw e;
    }
    if (obj.spec.proxySecretRef) {
      const e = new StallingError(
        SourceReason.AuthenticationFailed,
        `failed to configure proxy options: spec.proxySecretRef '${obj.spec.proxySecretRef.name}' is not supported by this source-controller`,
      );
      markTrue(obj, SourceCondition.FetchFailed, e.reason, e.message);
      throw e;
    }
  }

  /** The credentials of `spec.secretRef` (FetchFailed/AuthenticationFailed when unreadable or invalid). */
  async #auth(obj: GitRepository): Promise<GitAuth | undefined> {
    const ref = obj.spec.secretRef;
    if (!ref) return undefined;
    const namespace = obj.metadata.namespace ?? "";
    let data: Record<string, Buffer>;
    try {
      data = await readSecretData(this.#client, namespace, ref.name);
    } catch (err: unknown) {
      throw fetchFailed(
        obj,
        SourceReason.AuthenticationFailed,
        `failed to get secret '${namespace}/${ref.name}': ${errorMessage(err)}`,
        err,
      );
    }
    try {
      return authFromSecretData(obj.spec.url, data);
    } catch (err: unknown) {
      throw fetchFailed(obj, SourceReason.AuthenticationFailed, errorMessage(err), err);
    }
  }

  /** The artifacts of `spec.include` (IncludeUnavailable and a WaitingError while one is missing). */
  async #fetchIncludes(obj: GitRepository): Promise<Artifact[]> {
    const artifacts: Artifact[] = [];
    for (const include of obj.spec.include ?? []) {
      const name = include.repository.name;
      let dep: GitRepository | undefined;
      try {
        dep = await this.#client.get<GitRepository>({
          apiVersion: SOURCE_API_VERSION,
          kind: SourceKind.GitRepository,
          namespace: obj.metadata.namespace ?? "",
          name,
        });
      } catch (err: unknown) {
        const e = new WaitingError(
          "NotFound",
          `could not get resource for include '${name}': ${errorMessage(err)}`,
          this.#dependencyRequeueMs,
          { cause: err },
        );
        markTrue(obj, SourceCondition.IncludeUnavailable, e.reason, e.message);
        throw e;
      }
      const artifact = dep.status?.artifact;
      if (!artifact) {
        const e = new WaitingError(
          "NoArtifact",
          `no artifact available for include '${name}'`,
          this.#dependencyRequeueMs,
        );
        markTrue(obj, SourceCondition.IncludeUnavailable, e.reason, e.message);
        throw e;
      }
      artifacts.push(structuredClone(artifact));
    }
    deleteCondition(obj, SourceCondition.IncludeUnavailable);
    return artifacts;
  }

  /** Checks out the reference (FetchFailed with the GitError's reason on failure). */
  async #checkout(
    obj: GitRepository,
    dir: string,
    auth: GitAuth | undefined,
    lastObservedRevision: string | undefined,
    signal: AbortSignal,
  ): Promise<CheckoutResult> {
    try {
      return await checkout({
        url: obj.spec.url,
        dir,
        reference: obj.spec.ref,
        auth,
        timeoutMs: parseDuration(obj.spec.timeout ?? DEFAULT_SOURCE_TIMEOUT),
        recurseSubmodules: obj.spec.recurseSubmodules,
        sparseCheckout: obj.spec.sparseCheckout,
        lastObservedRevision,
        signal,
      });
    } catch (err: unknown) {
      const reason = err instanceof GitError ? err.reason : SourceReason.GitOperationFailed;
      const message = `failed to checkout and determine revision: ${errorMessage(err)}`;
      if (err instanceof GitError && err.persistent) {
        const e = new StallingError(reason, message, { cause: err });
        markTrue(obj, SourceCondition.FetchFailed, e.reason, e.message);
        throw e;
      }
      throw fetchFailed(obj, reason, message, err);
    }
  }

  /** `spec.verify`: SourceVerified True with the keys used, or False with Flux's reason. */
  async #verifySignature(run: ReconcileRun<GitRepository, GitRun>, commit: CheckoutResult): Promise<void> {
    const { obj } = run;
    const dir = run.state.dir;
    const mode = verificationMode(obj);
    obj.status ??= {};
    const status = obj.status;
    if (mode === undefined || !obj.spec.verify) {
      delete status.sourceVerificationMode;
      deleteCondition(obj, SourceCondition.SourceVerified);
      return;
    }
    const fail = (e: GenericReconcileError | StallingError): never => {
      markFalse(obj, SourceCondition.SourceVerified, e.reason, e.message);
      throw e;
    };
    const namespace = obj.metadata.namespace ?? "";
    let keys: ReturnType<typeof verificationKeysFromSecretData>;
    try {
      keys = verificationKeysFromSecretData(
        await readSecretData(this.#client, namespace, obj.spec.verify.secretRef.name),
      );
    } catch (err: unknown) {
      return fail(
        new GenericReconcileError(SourceReason.VerificationError, `public keys secret error: ${errorMessage(err)}`, {
          cause: err,
        }),
      );
    }
    const lines: string[] = [];
    try {
      if (mode === "Tag" || mode === "TagAndHEAD") {
        if (!commit.tag) {
          return fail(
            new StallingError(
              "InvalidVerificationMode",
              "cannot verify tag object's signature if a tag reference is not specified",
            ),
          );
        }
        const verified = await verifyTagSignature(dir, commit.tag, keys);
        lines.push(`tag '${commit.tag}' with key '${verified.key}'`);
      }
      if (mode === "HEAD" || mode === "TagAndHEAD") {
        const verified = await verifyCommitSignature(dir, commit.hash, keys);
        lines.push(`commit '${commit.hash}' with key '${verified.key}'`);
      }
    } catch (err: unknown) {
      const reason = err instanceof SignatureVerificationError ? err.reason : SourceReason.VerificationError;
      return fail(new GenericReconcileError(reason, errorMessage(err), { cause: err }));
    }
    const message = `verified signature of\n${lines.map((l) => `\t- ${l}`).join("\n")}`;
    status.sourceVerificationMode = mode;
    markTrue(obj, SourceCondition.SourceVerified, Reason.Succeeded, message);
    run.event("trace", Reason.Succeeded, message);
  }

  /** Copies includes into the checkout, archives it with the ignore rules and records the artifact. */
  async #reconcileArtifact(run: ReconcileRun<GitRepository, GitRun>): Promise<void> {
    const { obj, log } = run;
    const { commit, includes, dir } = run.state;
    if (!commit) throw new Error("reconcileArtifact: the source step left no commit");
    const namespace = obj.metadata.namespace ?? "";
    const name = obj.metadata.name ?? "";
    const target = this.#storage.newArtifactFor(
      SourceKind.GitRepository,
      { namespace, name },
      commit.revision,
      `${commit.hash}.tar.gz`,
    );
    obj.status ??= {};
    const status = obj.status;
    const current = status.artifact;
    if (
      current?.revision === target.revision &&
      !includedArtifactsDiffer(includes, status.includedArtifacts) &&
      !contentConfigChanged(obj, includes)
    ) {
      deleteCondition(obj, SourceCondition.ArtifactOutdated);
      markTrue(
        obj,
        SourceCondition.ArtifactInStorage,
        Reason.Succeeded,
        `stored artifact for revision '${current.revision}'`,
      );
      log.info(`artifact up-to-date with remote revision: '${current.revision}'`);
      run.event(
        "trace",
        SourceReason.ArtifactUpToDate,
        `artifact up-to-date with remote revision: '${current.revision}'`,
      );
      return;
    }

    const specIncludes = obj.spec.include ?? [];
    for (const [i, include] of specIncludes.entries()) {
      const artifact = includes[i] as Artifact;
      const toPath = includeToPath(include);
      const relative = safeRelative(toPath);
      if (relative === undefined) {
        throw storageFailed(
          obj,
          "IllegalPath",
          `path calculation for include '${include.repository.name}' failed: toPath '${toPath}' names the repository root`,
          undefined,
        );
      }
      try {
        await this.#storage.copyToPath(artifact, includeFromPath(include), join(dir, relative));
      } catch (err: unknown) {
        throw storageFailed(
          obj,
          "CopyFailure",
          `failed to copy '${include.repository.name}' include from ${includeFromPath(include)} to ${toPath}: ${errorMessage(err)}`,
          err,
        );
      }
    }

    let artifact: Artifact;
    try {
      const filter = await loadSourceIgnore(dir, obj.spec.ignore);
      artifact = await this.#storage.archive(target, dir, { filter });
    } catch (err: unknown) {
      throw storageFailed(
        obj,
        SourceReason.ArchiveOperationFailed,
        `unable to archive artifact to storage: ${errorMessage(err)}`,
        err,
      );
    }

    status.artifact = artifact;
    setOrDelete(status, "includedArtifacts", includes.length > 0 ? includes : undefined);
    setOrDelete(status, "observedIgnore", obj.spec.ignore);
    setOrDelete(status, "observedRecurseSubmodules", obj.spec.recurseSubmodules);
    setOrDelete(status, "observedInclude", specIncludes.length > 0 ? structuredClone(specIncludes) : undefined);
    setOrDelete(
      status,
      "observedSparseCheckout",
      obj.spec.sparseCheckout && obj.spec.sparseCheckout.length > 0 ? [...obj.spec.sparseCheckout] : undefined,
    );
    deleteCondition(obj, SourceCondition.ArtifactOutdated);
    deleteCondition(obj, SourceCondition.StorageOperationFailed);
    markTrue(
      obj,
      SourceCondition.ArtifactInStorage,
      Reason.Succeeded,
      `stored artifact for revision '${artifact.revision}'`,
    );
  }

  /** Deletion: removes the object's artifacts (the skeleton then drops the finalizer). */
  async #finalize(run: ReconcileRun<GitRepository, GitRun>): Promise<void> {
    await this.#steps.removeObjectStorage(run, SourceKind.GitRepository);
    if (run.obj.status?.artifact) delete run.obj.status.artifact;
  }
}

/**
 * `toPath` of an include as a path that stays inside the checkout (empty, `.` and `..` segments dropped, as
 * a secure join does); undefined when nothing is left (the checkout root itself).
 */
function safeRelative(path: string): string | undefined {
  const parts = path.split("/").filter((p) => p !== "" && p !== "." && p !== "..");
  return parts.length > 0 ? parts.join("/") : undefined;
}

/** Sets `status[key]` to `value`, or removes the field when `value` is undefined. */
function setOrDelete<K extends keyof NonNullable<GitRepository["status"]>>(
  status: NonNullable<GitRepository["status"]>,
  key: K,
  value: NonNullable<GitRepository["status"]>[K] | undefined,
): void {
  if (value === undefined) delete status[key];
  else status[key] = value;
}
