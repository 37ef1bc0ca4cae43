// The GitRepository reconciler (source.toolkit.fluxcd.io/v1): turns a Git reference into a tar.gz artifact in
// storage, with Flux's conditions, reasons, messages, status fields and events.

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
import type { KubeClient } from "@sluice/runtime/kube";
import type { ReconcileRun, StepReconciler, StepResult } from "@sluice/runtime/reconcile";
import { loadSourceIgnore } from "../internal/ignore/index.js";
import {
  fetchFailed,
  fetchStalled,
  markBuilding,
  markStored,
  readSecretData,
  reportUpToDate,
  SOURCE_CONTROLLER_NAME,
  type SourceReconcilerOptions,
  SourceSteps,
  setOrDelete,
  sourceReconciler,
  storageFailed,
  storeArtifact,
  workDirectory,
} from "../internal/reconcile/index.js";
import type { ArtifactStorage } from "../internal/storage/index.js";
import { GIT_REPOSITORY_CONDITIONS } from "./conditions.js";
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
export interface GitRepositoryReconcilerOptions extends SourceReconcilerOptions {
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
    this.#skeleton = sourceReconciler<GitRepository, GitRun>(options, this.#steps, {
      kind: SourceKind.GitRepository,
      conditions: GIT_REPOSITORY_CONDITIONS,
      newState: () => ({ dir: "", includes: [] }),
      reconcileStorage: (run) => this.#steps.reconcileStorage(run),
      reconcileSource: (run) => this.#reconcileSource(run),
      reconcileArtifact: (run) => this.#reconcileArtifact(run),
      interval: (obj) => parseDuration(obj.spec.interval),
      announce: (run) => {
        const subject = run.state.commit?.subject;
        const message = (a: Artifact) => `stored artifact for commit '${subject ?? a.revision}'`;
        this.#steps.announceArtifact(run, message, GIT_REPOSITORY_CONDITIONS.fail);
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
      throw fetchStalled(obj, SourceReason.URLInvalid, errorMessage(err), err);
    }

    this.#checkUnsupported(obj);
    const auth = await this.#auth(obj);
    const includes = await this.#fetchIncludes(obj);

    if (includedArtifactsDiffer(includes, obj.status?.includedArtifacts)) {
      const message = "included artifacts differ from last observed includes";
      await markBuilding(run, message, !!obj.status?.includedArtifacts, "IncludeChange");
    }
    deleteCondition(obj, SourceCondition.ArtifactOutdated);
    state.includes = includes;

    const prefix = `gitrepository-${obj.metadata.namespace}-${obj.metadata.name}-`;
    state.dir = await workDirectory(run, this.#workDir, prefix);
    const stored = obj.status?.artifact;
    const canSkip = stored !== undefined && !contentConfigChanged(obj, includes);
    const commit = await this.#checkout(obj, state.dir, auth, canSkip ? stored.revision : undefined, run.signal);
    state.commit = commit;
    if (commit.skipped) {
      run.log.info(`no changes since last reconciliation: observed revision '${commit.revision}'`);
      deleteCondition(obj, SourceCondition.FetchFailed);
      markTrue(obj, SourceCondition.ArtifactInStorage, Reason.Succeeded, storedMessage(commit.revision));
      return "up-to-date";
    }
    run.log.debug({ revision: commit.revision }, "git repository checked out");
    deleteCondition(obj, SourceCondition.FetchFailed);

    await this.#verifySignature(run, commit);

    if (stored?.revision !== commit.revision) {
      await markBuilding(run, `new upstream revision '${commit.revision}'`, !!stored);
    }
    return undefined;
  }

  /**
   * Refuses, as a stalling FetchFailed, settings this controller cannot honour yet instead of silently
   * ignoring them: a cloud `spec.provider` (aws, azure, github) and `spec.proxySecretRef`.
   */
  #checkUnsupported(obj: GitRepository): void {
    const provider = obj.spec.provider;
    if (provider && provider !== "generic") {
      throw fetchStalled(
        obj,
        SourceReason.InvalidProviderConfiguration,
        `failed to configure authentication options: provider '${provider}' is not supported by this source-controller; use 'generic' with a secretRef`,
      );
    }
    if (obj.spec.proxySecretRef) {
      throw fetchStalled(
        obj,
        SourceReason.AuthenticationFailed,
        `failed to configure proxy options: spec.proxySecretRef '${obj.spec.proxySecretRef.name}' is not supported by this source-controller`,
      );
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
      if (err instanceof GitError && err.persistent) throw fetchStalled(obj, reason, message, err);
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
    const { obj } = run;
    const { commit, includes, dir } = run.state;
    if (!commit) throw new Error("reconcileArtifact: the source step left no commit");
    const target = this.#steps.targetFor(obj, SourceKind.GitRepository, commit.revision, `${commit.hash}.tar.gz`);
    obj.status ??= {};
    const status = obj.status;
    const current = status.artifact;
    if (
      current?.revision === target.revision &&
      !includedArtifactsDiffer(includes, status.includedArtifacts) &&
      !contentConfigChanged(obj, includes)
    ) {
      markStored(obj, storedMessage(current.revision));
      reportUpToDate(run, current.revision);
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

    const artifact = await storeArtifact(obj, "archive artifact", async () => {
      const filter = await loadSourceIgnore(dir, obj.spec.ignore);
      return this.#storage.archive(target, dir, { filter });
    });

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
    deleteCondition(obj, SourceCondition.StorageOperationFailed);
    markStored(obj, storedMessage(artifact.revision));
  }
}

/** ArtifactInStorage's message (Flux's). */
function storedMessage(revision: string): string {
  return `stored artifact for revision '${revision}'`;
}

/**
 * `toPath` of an include as a path that stays inside the checkout (empty, `.` and `..` segments dropped, as
 * a secure join does); undefined when nothing is left (the checkout root itself).
 */
function safeRelative(path: string): string | undefined {
  const parts = path.split("/").filter((p) => p !== "" && p !== "." && p !== "..");
  return parts.length > 0 ? parts.join("/") : undefined;
}
