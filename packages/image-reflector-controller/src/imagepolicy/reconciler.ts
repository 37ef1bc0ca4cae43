// ImagePolicy: pick the latest tag of an ImageRepository's stored tags by semver, alphabetical or
// numerical order (after filterTags), optionally reflect its digest, and report it in status.latestRef, as
// Flux's image-reflector-controller does.

import {
  DigestReflectionPolicy,
  IMAGE_API_VERSION,
  ImageCondition,
  type ImagePolicy,
  type ImageRef,
  ImageReflectorReason,
  type ImageRepository,
  imagePolicyDigestReflection,
  imagePolicyIntervalMs,
  imageRepositoryTimeoutMs,
  Reason,
} from "@sluice/api";
import {
  type EventSink,
  errorMessage,
  GenericReconcileError,
  getCondition,
  isNotFound,
  isReady,
  type KubeClient,
  type ReconcileContext,
  type ReconcileResult,
  type ReconcileRun,
  readySetDirectly,
  StallingError,
  StepReconciler,
  step,
  WaitingError,
} from "@sluice/runtime";
import { type ImageReference, ImageReferenceError, parseImageReference } from "../image-reference.js";
import { IMAGE_REFLECTOR_CONTROLLER_NAME } from "../imagerepository/reconciler.js";
import { InvalidPolicyError, selectLatestTag } from "../policy/policies.js";
import { markReady, reportProgress } from "../progress.js";
import { RegistryAuthError, registryClientFor } from "../registry-client.js";
import type { TagStore } from "../storage/tag-store.js";
import { namespaceAllowed } from "./access-from.js";

/** Default `--requeue-dependency`: how long to wait for an ImageRepository without tags. */
export const DEFAULT_DEPENDENCY_REQUEUE_MS = 30_000;

/** Options of {@link ImagePolicyReconciler}. */
export interface ImagePolicyReconcilerOptions {
  client: KubeClient;
  store: TagStore;
  events?: EventSink | undefined;
  /** `--requeue-dependency` in ms. */
  dependencyRequeueMs?: number | undefined;
  /** `--no-cross-namespace-refs`: ImageRepositories in other namespaces are refused (AccessDenied). */
  noCrossNamespaceRefs?: boolean | undefined;
}

/** `Latest image tag for <name> resolved to <tag>[ with digest …][ (previously …)]` (Flux's Ready message). */
export function readyMessage(latest: ImageRef, previous: ImageRef | undefined): string {
  let msg = `Latest image tag for ${latest.name} resolved to ${latest.tag}`;
  if (latest.digest) msg += ` with digest ${latest.digest}`;
  if (previous && !sameRef(previous, latest)) {
    msg += ` (previously ${previous.name}:${previous.tag}${previous.digest ? `@${previous.digest}` : ""})`;
  }
  return msg;
}

function sameRef(a: ImageRef | undefined, b: ImageRef | undefined): boolean {
  return a?.name === b?.name && a?.tag === b?.tag && (a?.digest ?? "") === (b?.digest ?? "");
}

/**
 * Reconciles ImagePolicies. Stalled: IntervalNotConfigured, ImageURLInvalid (the repository's image),
 * InvalidPolicy (bad range, order or pattern). Ready=False: DependencyNotReady (repository missing or
 * without tags yet, retried after `--requeue-dependency`), AccessDenied (cross-namespace refused), Failed
 * (no tag qualifies, digest lookup failed). Ready=True with the latest ref; an event when it changes.
 */
export class ImagePolicyReconciler {
  readonly #skeleton: StepReconciler<ImagePolicy>;
  readonly #o: ImagePolicyReconcilerOptions;

  constructor(options: ImagePolicyReconcilerOptions) {
    this.#o = options;
    this.#skeleton = new StepReconciler<ImagePolicy>({
      apiVersion: IMAGE_API_VERSION,
      kind: "ImagePolicy",
      client: options.client,
      fieldManager: IMAGE_REFLECTOR_CONTROLLER_NAME,
      ownedConditions: [ImageCondition.Ready, ImageCondition.Reconciling, ImageCondition.Stalled],
      events: options.events,
      steps: [step("reportProgress", reportProgress), step("reconcilePolicy", (run) => this.#reconcile(run))],
      summarize: readySetDirectly,
      interval: (obj) => imagePolicyIntervalMs(obj.spec) || undefined,
      afterPatch: (run, outcome) => {
        if (outcome.error) return;
        const ready = getCondition(run.obj, ImageCondition.Ready);
        const before = getCondition(run.old, ImageCondition.Ready);
        if (ready && (!isReady(run.old) || before?.message !== ready.message)) {
          run.event("info", ready.reason, ready.message);
        }
      },
    });
  }

  /** One reconcile of `obj` through the shared skeleton. */
  reconcile(obj: ImagePolicy, ctx: ReconcileContext): Promise<ReconcileResult> {
    return this.#skeleton.reconcile(obj, ctx);
  }

  async #reconcile(run: ReconcileRun<ImagePolicy, undefined>): Promise<void> {
    const obj = run.obj;
    const reflect = imagePolicyDigestReflection(obj.spec);
    if (reflect === DigestReflectionPolicy.Always && obj.spec.interval === undefined) {
      throw new StallingError(
        ImageReflectorReason.IntervalNotConfigured,
        "spec.interval must be set when spec.digestReflectionPolicy is set to 'Always'",
      );
    }
    const repo = await this.#imageRepository(obj);
    let ref: ImageReference;
    try {
      ref = parseImageReference(repo.spec.image);
    } catch (err: unknown) {
      if (err instanceof ImageReferenceError) {
        throw new StallingError(ImageReflectorReason.ImageURLInvalid, err.message, { cause: err });
      }
      throw err;
    }
    const tags = await this.#o.store.get(repo.metadata.namespace ?? "default", repo.metadata.name ?? "");
    if (tags.length === 0) {
      const delay = this.#o.dependencyRequeueMs ?? DEFAULT_DEPENDENCY_REQUEUE_MS;
      throw new WaitingError(
        ImageReflectorReason.DependencyNotReady,
        `retrying in ${Math.round(delay / 1000)}s error: no tags in database`,
        delay,
      );
    }
    let latest: string;
    try {
      latest = selectLatestTag(obj.spec.policy, obj.spec.filterTags, tags);
    } catch (err: unknown) {
      if (err instanceof InvalidPolicyError) throw new StallingError("InvalidPolicy", err.message, { cause: err });
      throw new GenericReconcileError(Reason.Failed, errorMessage(err), { cause: err });
    }

    const latestRef: ImageRef = { name: repo.spec.image, tag: latest };
    const current = obj.status?.latestRef;
    const fetch =
      reflect === DigestReflectionPolicy.Always ||
      (reflect === DigestReflectionPolicy.IfNotPresent &&
        (current?.name !== latestRef.name || current.tag !== latestRef.tag || !current.digest));
    if (reflect === DigestReflectionPolicy.IfNotPresent && !fetch && current?.digest) latestRef.digest = current.digest;
    if (fetch) latestRef.digest = await this.#digest(run, repo, ref, latest);
    const status = { ...obj.status };
    if (!current || !sameRef(current, latestRef)) {
      if (current) status.observedPreviousRef = current;
      status.latestRef = latestRef;
    }
    obj.status = status;
    markReady(obj, readyMessage(latestRef, obj.status.observedPreviousRef));
  }

  /** The referenced ImageRepository, after the cross-namespace rules. */
  async #imageRepository(obj: ImagePolicy): Promise<ImageRepository> {
    const own = obj.metadata.namespace ?? "default";
    const namespace = obj.spec.imageRepositoryRef.namespace || own;
    const name = obj.spec.imageRepositoryRef.name;
    const id = `${namespace}/${name}`;
    if (namespace !== own && this.#o.noCrossNamespaceRefs) {
      throw new GenericReconcileError(
        Reason.AccessDenied,
        `failed to get the referred ImageRepository: cannot access 'ImageRepository/${id}', cross-namespace references have been blocked`,
      );
    }
    let repo: ImageRepository;
    try {
      repo = await this.#o.client.get<ImageRepository>({
        apiVersion: IMAGE_API_VERSION,
        kind: "ImageRepository",
        namespace,
        name,
      });
    } catch (err: unknown) {
      if (isNotFound(err)) {
        throw new GenericReconcileError(
          ImageReflectorReason.DependencyNotReady,
          `failed to get the referred ImageRepository: referenced ImageRepository does not exist: imagerepositories.image.toolkit.fluxcd.io "${name}" not found`,
        );
      }
      throw new GenericReconcileError(
        Reason.Failed,
        `failed to get the referred ImageRepository: ${errorMessage(err)}`,
        { cause: err },
      );
    }
    if (namespace !== own && !(await namespaceAllowed(this.#o.client, own, repo.spec.accessFrom))) {
      throw new GenericReconcileError(
        Reason.AccessDenied,
        `failed to get the referred ImageRepository: access denied: 'ImagePolicy/${own}/${obj.metadata.name}' can't access 'ImageRepository/${id}', cross-namespace reference refused by accessFrom`,
      );
    }
    return repo;
  }

  /** The digest of `image:tag` (a manifest HEAD with the repository's auth), within its timeout. */
  async #digest(
    run: ReconcileRun<ImagePolicy, undefined>,
    repo: ImageRepository,
    ref: ImageReference,
    tag: string,
  ): Promise<string> {
    const what = `${repo.spec.image}:${tag}`;
    const signal = AbortSignal.any([run.signal, AbortSignal.timeout(imageRepositoryTimeoutMs(repo.spec))]);
    try {
      const client = await registryClientFor(this.#o.client, repo, ref, signal);
      return (await client.headManifest(ref.repository, tag)).digest;
    } catch (err: unknown) {
      const cause =
        err instanceof RegistryAuthError
          ? `failed to configure authentication options: ${err.message}`
          : `failed fetching descriptor for "${ref.canonicalName}:${tag}": ${errorMessage(err)}`;
      throw new GenericReconcileError(Reason.Failed, `failed fetching digest of ${what}: ${cause}`, { cause: err });
    }
  }
}
