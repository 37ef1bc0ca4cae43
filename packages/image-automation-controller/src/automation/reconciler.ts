// ImageUpdateAutomation: clone the GitRepository (its auth, or `git.checkout.ref`), apply the latest images
// of the selected ImagePolicies with the Setters strategy under `update.path`, commit with the author and
// message template, and push to `git.push.branch` (and `refspec`); a push rejected because someone else
// pushed first is retried on top of the new head. As Flux's image-automation-controller.

import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { isAbsolute, join, relative, resolve } from "node:path";
import {
  type GitRepository,
  IMAGE_API_VERSION,
  ImageCondition,
  type ImagePolicy,
  type ImageRef,
  type ImageUpdateAutomation,
  ImageUpdateAutomationReason,
  parseDuration,
  Reason,
  SOURCE_API_VERSION,
} from "@sluice/api";
import {
  authFromSecretData,
  type CommitSigningKey,
  checkout,
  commitAll,
  type GitAuth,
  GitError,
  type PreparedSigning,
  prepareSigning,
  pushRefspecs,
  remoteBranchHead,
  switchToBranch,
  withGitSession,
} from "@sluice/git";
import {
  type EventSink,
  errorMessage,
  GenericReconcileError,
  getCondition,
  isNotFound,
  isReady,
  type KubeClient,
  markReconciling,
  type ReconcileContext,
  type ReconcileResult,
  type ReconcileRun,
  readSecretData,
  readySetDirectly,
  StallingError,
  StepReconciler,
  setCondition,
  step,
} from "@sluice/runtime";
import { commitMessage, RemovedTemplateFieldError } from "../template/commit-message.js";
import { type PolicyImage, updateWithSetters } from "../update/setters.js";
import { labelSelectorMatcher, PolicySelectorError } from "./policy-selector.js";

/** Field manager and event source of the image-automation-controller. */
export const IMAGE_AUTOMATION_CONTROLLER_NAME = "image-automation-controller";
/** Flux's Ready message of a successful run. */
export const READY_MESSAGE = "repository up-to-date";
/** Pushes tried per run when the branch moved under us (someone else pushed first). */
export const PUSH_ATTEMPTS = 3;
const DEFAULT_GIT_TIMEOUT_MS = 60_000;

/** Options of {@link ImageUpdateAutomationReconciler}. */
export interface ImageUpdateAutomationReconcilerOptions {
  client: KubeClient;
  events?: EventSink | undefined;
  /** `--no-cross-namespace-refs`: GitRepositories in other namespaces are refused (AccessDenied, stalls). */
  noCrossNamespaceRefs?: boolean | undefined;
}

interface PushResult {
  commit: string;
  branch: string;
  refspecs: string[];
  message: string;
}

interface RunState {
  push?: PushResult;
  problemFiles?: string[];
}

/** Flux's push summary: `pushed commit '<short>' to branch '<b>'[ and refspecs '…']\n<message>`. */
export function pushSummary(p: PushResult): string {
  let s = `pushed commit '${p.commit.slice(0, 7)}' to branch '${p.branch}'`;
  if (p.refspecs.length > 0) s += ` and refspecs '${p.refspecs.join("', '")}'`;
  if (p.message) s += `\n${p.message}`;
  return s;
}

function sameRefs(a: Record<string, ImageRef> | undefined, b: Record<string, ImageRef>): boolean {
  const ka = Object.keys(a ?? {});
  if (ka.length !== Object.keys(b).length) return false;
  return ka.every((k) => {
    const x = a?.[k];
    const y = b[k];
    return x?.name === y?.name && x?.tag === y?.tag && (x?.digest ?? "") === (y?.digest ?? "");
  });
}

/**
 * Reconciles ImageUpdateAutomations. Stalled: InvalidSourceConfiguration (no `spec.git`, no branch to push
 * to, `update.path` outside the repository), InvalidPolicySelector, AccessDenied (cross-namespace source
 * refused), RemovedTemplateField. Ready=False: SourceManagerFailed (GitRepository or its Secret missing),
 * GitOperationFailed (clone, commit or push failed), UpdateFailed. Ready=True `repository up-to-date`; an
 * event with the push summary when a commit was pushed; a warning event naming files that could not be
 * parsed (left untouched).
 */
export class ImageUpdateAutomationReconciler {
  readonly #skeleton: StepReconciler<ImageUpdateAutomation, RunState>;
  readonly #o: ImageUpdateAutomationReconcilerOptions;

  constructor(options: ImageUpdateAutomationReconcilerOptions) {
    this.#o = options;
    this.#skeleton = new StepReconciler<ImageUpdateAutomation, RunState>({
      apiVersion: IMAGE_API_VERSION,
      kind: "ImageUpdateAutomation",
      client: options.client,
      fieldManager: IMAGE_AUTOMATION_CONTROLLER_NAME,
      ownedConditions: [ImageCondition.Ready, ImageCondition.Reconciling, ImageCondition.Stalled],
      events: options.events,
      newState: () => ({}),
      steps: [step("reconcileAutomation", (run) => this.#reconcile(run))],
      summarize: readySetDirectly,
      interval: (obj) => parseDuration(obj.spec.interval),
      afterPatch: (run, outcome) => {
        const problems = run.state.problemFiles ?? [];
        if (problems.length > 0) {
          run.event(
            "error",
            ImageUpdateAutomationReason.UpdateFailed,
            `failed to parse ${problems.map((f) => `'${f}'`).join(", ")}: file(s) left unchanged`,
          );
        }
        if (outcome.error) return;
        const ready = getCondition(run.obj, ImageCondition.Ready);
        if (!ready) return;
        if (run.state.push) run.event("info", ready.reason, pushSummary(run.state.push));
        else if (!isReady(run.old)) run.event("info", ready.reason, ready.message);
      },
    });
  }

  /** One reconcile of `obj` through the shared skeleton. */
  reconcile(obj: ImageUpdateAutomation, ctx: ReconcileContext): Promise<ReconcileResult> {
    return this.#skeleton.reconcile(obj, ctx);
  }

  async #reconcile(run: ReconcileRun<ImageUpdateAutomation, RunState>): Promise<void> {
    const obj = run.obj;
    const namespace = obj.metadata.namespace ?? "default";
    const name = obj.metadata.name ?? "";
    obj.status = { ...obj.status, lastAutomationRunTime: now() };
    markReconciling(obj, Reason.Progressing, "reconciliation in progress");
    if (run.newGeneration) {
      markReconciling(
        obj,
        Reason.Progressing,
        `processing object: new generation ${Math.max(0, obj.status.observedGeneration ?? 0)} -> ${obj.metadata.generation ?? 0}`,
      );
    }
    if (run.newGeneration || run.reconcileRequested) await run.patch();

    const policies = await this.#policies(obj, namespace);
    const observedPolicies: Record<string, ImageRef> = {};
    for (const p of policies) {
      const ref = p.status?.latestRef as ImageRef;
      observedPolicies[p.metadata.name ?? ""] = {
        name: ref.name,
        tag: ref.tag,
        ...(ref.digest ? { digest: ref.digest } : {}),
      };
    }
    let syncNeeded = !sameRefs(obj.status?.observedPolicies, observedPolicies);

    const git = obj.spec.git;
    if (!git) {
      throw new StallingError(
        ImageUpdateAutomationReason.InvalidSourceConfiguration,
        "source kind 'GitRepository' necessitates field .spec.git",
      );
    }
    const source = await this.#source(obj, namespace);
    const checkoutRef = git.checkout?.ref ?? source.repo.spec.ref ?? { branch: "master" };
    const onlyBranch = !checkoutRef.tag && !checkoutRef.semver && !checkoutRef.commit && !checkoutRef.name;
    const checkoutBranch = onlyBranch ? (checkoutRef.branch ?? "master") : undefined;
    const pushBranch = git.push?.branch || checkoutBranch;
    if (!pushBranch) {
      throw new StallingError(
        ImageUpdateAutomationReason.InvalidSourceConfiguration,
        "push branch not provided explicitly and cannot be inferred from the checkout reference",
      );
    }
    const switchBranch = pushBranch !== checkoutBranch;
    if (switchBranch || git.push?.refspec) syncNeeded = true;
    const updatePath = obj.spec.update?.path ?? ".";
    if (isAbsolute(updatePath) || relative("/repo", resolve("/repo", updatePath)).startsWith("..")) {
      throw new StallingError(
        ImageUpdateAutomationReason.InvalidSourceConfiguration,
        `spec.update.path '${updatePath}' must be a path inside the repository`,
      );
    }
    const images: PolicyImage[] = policies.map((p) => {
      const ref = p.status?.latestRef as ImageRef;
      return { setter: `${namespace}:${p.metadata.name ?? ""}`, name: ref.name, tag: ref.tag, digest: ref.digest };
    });
    const timeoutMs = source.repo.spec.timeout ? parseDuration(source.repo.spec.timeout) : DEFAULT_GIT_TIMEOUT_MS;
    const base = { url: source.repo.spec.url, auth: source.auth, timeoutMs, signal: run.signal };
    const gitFailed = (err: unknown, what: string) =>
      new GenericReconcileError(ImageUpdateAutomationReason.GitOperationFailed, `${what}: ${errorMessage(err)}`, {
        cause: err,
      });

    for (let attempt = 1; ; attempt++) {
      const dir = await mkdtemp(join(tmpdir(), `sluice-automation-${namespace}-${name}-`));
      let signing: PreparedSigning | undefined;
      try {
        let reference = checkoutRef;
        if (switchBranch) {
          const existing = await withGitSession(base, dir, (s) => remoteBranchHead(s, pushBranch)).catch(
            (err: unknown) => {
              throw gitFailed(err, "failed to checkout source");
            },
          );
          if (existing) reference = { branch: pushBranch };
        }
        let co: Awaited<ReturnType<typeof checkout>>;
        try {
          co = await checkout({
            ...base,
            dir,
            reference,
            lastObservedRevision:
              !syncNeeded && attempt === 1 ? obj.status?.observedSourceRevision || undefined : undefined,
          });
        } catch (err: unknown) {
          throw gitFailed(err, "failed to checkout source");
        }
        if (co.skipped) {
          setReady(obj);
          return;
        }
        const result = await updateWithSetters(resolve(dir, updatePath), images).catch((err: unknown) => {
          throw new GenericReconcileError(
            ImageUpdateAutomationReason.UpdateFailed,
            `failed to apply policies: ${errorMessage(err)}`,
            { cause: err },
          );
        });
        run.state.problemFiles = result.problemFiles;
        const unchanged = () => {
          obj.status = { ...obj.status, observedSourceRevision: co.revision, observedPolicies };
          setReady(obj);
        };
        if (result.FileChanges.size === 0) return unchanged();
        let message: string;
        try {
          message = commitMessage(
            git.commit.messageTemplate,
            namespace,
            name,
            result,
            git.commit.messageTemplateValues,
          );
        } catch (err: unknown) {
          if (err instanceof RemovedTemplateFieldError) {
            throw new StallingError(ImageUpdateAutomationReason.RemovedTemplateField, err.message);
          }
          throw gitFailed(err, "failed to update source");
        }
        // git refuses an empty name; Flux's `author.name` is optional.
        const author = { name: git.commit.author.name || git.commit.author.email, email: git.commit.author.email };
        const signingKey = git.commit.signingKey ? await this.#signingKey(namespace, git.commit.signingKey) : undefined;
        if (signingKey) {
          signing = await prepareSigning(signingKey).catch((err: unknown) => {
            throw gitFailed(err, "failed to update source: unable to use the signing key");
          });
        }
        const pushed = await withGitSession(base, dir, async (s) => {
          if (switchBranch || co.reference !== `refs/heads/${pushBranch}`) await switchToBranch(s, pushBranch);
          const commit = await commitAll(s, author, message, signing);
          if (!commit) return undefined;
          try {
            await pushRefspecs(s, [`HEAD:refs/heads/${pushBranch}`], git.push?.options ?? {});
          } catch (err: unknown) {
            const head = await remoteBranchHead(s, pushBranch).catch(() => undefined);
            if (head !== undefined && head !== co.hash && attempt < PUSH_ATTEMPTS) return "retry" as const;
            throw err;
          }
          if (git.push?.refspec) await pushRefspecs(s, [git.push.refspec], git.push.options ?? {});
          return commit;
        }).catch((err: unknown) => {
          if (err instanceof GitError || !(err instanceof GenericReconcileError))
            throw gitFailed(err, "failed to update source");
          throw err;
        });
        if (pushed === "retry") {
          run.log.info({ attempt, branch: pushBranch }, "push rejected: the branch moved, retrying on its new head");
          continue;
        }
        if (!pushed) return unchanged();
        obj.status = {
          ...obj.status,
          observedSourceRevision: switchBranch ? co.revision : `${pushBranch}@sha1:${pushed}`,
          observedPolicies,
          lastPushCommit: pushed,
          lastPushTime: now(),
        };
        run.state.push = {
          commit: pushed,
          branch: pushBranch,
          refspecs: git.push?.refspec ? [git.push.refspec] : [],
          message,
        };
        setReady(obj);
        return;
      } finally {
        await signing?.cleanup();
        await rm(dir, { recursive: true, force: true });
      }
    }
  }

  /** The ImagePolicies of `namespace` selected by `policySelector` that have a latest image. */
  async #policies(obj: ImageUpdateAutomation, namespace: string): Promise<ImagePolicy[]> {
    let matches: (labels: Record<string, string>) => boolean;
    try {
      matches = labelSelectorMatcher(obj.spec.policySelector);
    } catch (err: unknown) {
      if (err instanceof PolicySelectorError) {
        throw new StallingError(ImageUpdateAutomationReason.InvalidPolicySelector, err.message);
      }
      throw err;
    }
    const list = await this.#o.client.list<ImagePolicy>(IMAGE_API_VERSION, "ImagePolicy", { namespace });
    return list.items
      .filter((p) => matches(p.metadata.labels ?? {}) && p.status?.latestRef)
      .sort((a, b) => ((a.metadata.name ?? "") < (b.metadata.name ?? "") ? -1 : 1));
  }

  /** `git.commit.signingKey`: `git.asc` (+ `passphrase`) for gpg, `identity` for ssh, from the Secret. */
  async #signingKey(
    namespace: string,
    key: { secretRef: { name: string }; type?: string | undefined },
  ): Promise<CommitSigningKey> {
    const where = `signing key secret '${namespace}/${key.secretRef.name}'`;
    let data: Record<string, Buffer>;
    try {
      data = await readSecretData(this.#o.client, namespace, key.secretRef.name);
    } catch (err: unknown) {
      throw new GenericReconcileError(
        ImageUpdateAutomationReason.GitOperationFailed,
        `failed to update source: could not get ${where}: ${errorMessage(err)}`,
        { cause: err },
      );
    }
    const type = key.type ?? "gpg";
    const field = type === "ssh" ? "identity" : "git.asc";
    const value = data[field]?.toString("utf8");
    if (!value) {
      throw new StallingError(
        ImageUpdateAutomationReason.InvalidSourceConfiguration,
        `${where} has no '${field}' (required for a ${type} signing key)`,
      );
    }
    if (type === "ssh") {
      if (data["password"]?.length) {
        throw new StallingError(
          ImageUpdateAutomationReason.InvalidSourceConfiguration,
          `${where}: passphrase-protected SSH signing keys are not supported`,
        );
      }
      return { type: "ssh", privateKey: value };
    }
    return { type: "gpg", armoredKey: value, passphrase: data["passphrase"]?.toString("utf8") };
  }

  /** The GitRepository and its credentials. */
  async #source(obj: ImageUpdateAutomation, namespace: string): Promise<{ repo: GitRepository; auth: GitAuth }> {
    const ref = obj.spec.sourceRef;
    const srcNamespace = ref.namespace || namespace;
    const id = `GitRepository/${srcNamespace}/${ref.name}`;
    if (this.#o.noCrossNamespaceRefs && srcNamespace !== namespace) {
      throw new StallingError(
        Reason.AccessDenied,
        `can't access '${id}', cross-namespace references have been blocked`,
      );
    }
    const failed = (msg: string, err?: unknown) =>
      new GenericReconcileError(
        ImageUpdateAutomationReason.SourceManagerFailed,
        `failed configuring source manager: ${msg}`,
        err === undefined ? {} : { cause: err },
      );
    let repo: GitRepository;
    try {
      repo = await this.#o.client.get<GitRepository>({
        apiVersion: SOURCE_API_VERSION,
        kind: "GitRepository",
        namespace: srcNamespace,
        name: ref.name,
      });
    } catch (err: unknown) {
      throw failed(
        isNotFound(err)
          ? `unable to get source '${id}': not found`
          : `unable to get source '${id}': ${errorMessage(err)}`,
        err,
      );
    }
    let data: Record<string, Buffer> | undefined;
    if (repo.spec.secretRef?.name) {
      try {
        data = await readSecretData(this.#o.client, srcNamespace, repo.spec.secretRef.name);
      } catch (err: unknown) {
        throw failed(`failed to get secret '${srcNamespace}/${repo.spec.secretRef.name}': ${errorMessage(err)}`, err);
      }
    }
    try {
      return { repo, auth: authFromSecretData(repo.spec.url, data) };
    } catch (err: unknown) {
      throw failed(errorMessage(err), err);
    }
  }
}

function now(): string {
  return new Date().toISOString().replace(/\.\d{3}Z$/, "Z");
}

function setReady(obj: ImageUpdateAutomation): void {
  setCondition(obj, { type: ImageCondition.Ready, status: "True", reason: Reason.Succeeded, message: READY_MESSAGE });
}
