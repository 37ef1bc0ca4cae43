// ImageRepository: scan a registry repository's tags (the OCI Distribution tags API with Link pagination),
// drop the `exclusionList` matches, store the rest durably, and report the scan in the status, as Flux's
// image-reflector-controller does.

import {
  IMAGE_API_VERSION,
  ImageCondition,
  ImageReflectorReason,
  type ImageRepository,
  imageRepositoryExclusionList,
  imageRepositoryTimeoutMs,
  parseDuration,
  Reason,
} from "@sluice/api";
import {
  type EventSink,
  errorMessage,
  GenericReconcileError,
  getCondition,
  isReady,
  type KubeClient,
  markReconciling,
  type ReconcileContext,
  type ReconcileResult,
  type ReconcileRun,
  readySetDirectly,
  StallingError,
  StepReconciler,
  step,
} from "@sluice/runtime";
import { type ImageReference, ImageReferenceError, parseImageReference } from "../image-reference.js";
import { compileGoRegexp, matchesGo } from "../policy/go-regexp.js";
import { markReady, reportProgress } from "../progress.js";
import { RegistryAuthError, registryClientFor } from "../registry-client.js";
import type { TagStore } from "../storage/tag-store.js";

/** Field manager and event source of the image-reflector-controller. */
export const IMAGE_REFLECTOR_CONTROLLER_NAME = "image-reflector-controller";
/** How many tags `status.lastScanResult.latestTags` lists. */
export const LATEST_TAGS_COUNT = 10;

/** Options of {@link ImageRepositoryReconciler}. */
export interface ImageRepositoryReconcilerOptions {
  client: KubeClient;
  store: TagStore;
  events?: EventSink | undefined;
  /** Clock (tests). */
  now?: (() => number) | undefined;
}

interface ScanState {
  /** Why a scan ran, or undefined when none was due. */
  scanReason?: string;
}

/**
 * Reconciles ImageRepositories: Stalled with ImageURLInvalid for a bad `spec.image`, Ready=False with
 * AuthenticationFailed when a Secret is unusable and ReadOperationFailed when the registry fails (retried
 * with backoff), Ready=True `successful scan: found N tags with checksum sha256:…` otherwise. Scans when
 * never scanned, on a reconcile request, a new image name or exclusion list, an empty store, or when the
 * interval has passed; requeues for the next scan.
 */
export class ImageRepositoryReconciler {
  readonly #skeleton: StepReconciler<ImageRepository, ScanState>;
  readonly #o: ImageRepositoryReconcilerOptions;

  constructor(options: ImageRepositoryReconcilerOptions) {
    this.#o = options;
    this.#skeleton = new StepReconciler<ImageRepository, ScanState>({
      apiVersion: IMAGE_API_VERSION,
      kind: "ImageRepository",
      client: options.client,
      fieldManager: IMAGE_REFLECTOR_CONTROLLER_NAME,
      ownedConditions: [ImageCondition.Ready, ImageCondition.Reconciling, ImageCondition.Stalled],
      events: options.events,
      newState: () => ({}),
      steps: [step("reportProgress", reportProgress), step("reconcileScan", (run) => this.#scan(run))],
      summarize: readySetDirectly,
      interval: (obj) => this.#nextScanIn(obj),
      finalize: (run) => options.store.delete(run.obj.metadata.namespace ?? "default", run.obj.metadata.name ?? ""),
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
  reconcile(obj: ImageRepository, ctx: ReconcileContext): Promise<ReconcileResult> {
    return this.#skeleton.reconcile(obj, ctx);
  }

  #now(): number {
    return this.#o.now?.() ?? Date.now();
  }

  /** Time until the next scan: the interval after the last scan, at least a second. */
  #nextScanIn(obj: ImageRepository): number {
    const interval = parseDuration(obj.spec.interval);
    const last = obj.status?.lastScanResult?.scanTime;
    if (!last) return interval;
    return Math.max(1000, interval - (this.#now() - Date.parse(last)));
  }

  async #scan(run: ReconcileRun<ImageRepository, ScanState>): Promise<void> {
    const obj = run.obj;
    const namespace = obj.metadata.namespace ?? "default";
    let ref: ImageReference;
    try {
      ref = parseImageReference(obj.spec.image);
    } catch (err: unknown) {
      if (err instanceof ImageReferenceError) {
        throw new StallingError(ImageReflectorReason.ImageURLInvalid, err.message, { cause: err });
      }
      throw err;
    }
    const exclusionList = imageRepositoryExclusionList(obj.spec);
    const signal = AbortSignal.any([run.signal, AbortSignal.timeout(imageRepositoryTimeoutMs(obj.spec))]);
    let client: Awaited<ReturnType<typeof registryClientFor>>;
    try {
      client = await registryClientFor(this.#o.client, obj, ref, signal);
    } catch (err: unknown) {
      if (err instanceof RegistryAuthError) {
        throw new GenericReconcileError(
          ImageReflectorReason.AuthenticationFailed,
          `failed to configure authentication options: ${err.message}`,
          { cause: err },
        );
      }
      throw err;
    }

    const reason = await this.#scanReason(run, ref, exclusionList);
    if (reason) {
      run.state.scanReason = reason;
      markReconciling(obj, Reason.Progressing, `scanning: ${reason}`);
      await run.patch();
      let tags: string[];
      try {
        const patterns = exclusionList.map((p) => {
          try {
            return compileGoRegexp(p);
          } catch (err: unknown) {
            throw new Error(`failed to compile regex ${p}: ${errorMessage(err)}`);
          }
        });
        const all = await client.listTags(ref.repository);
        tags = all.filter((t) => !patterns.some((re) => matchesGo(re, t)));
      } catch (err: unknown) {
        throw new GenericReconcileError(ImageReflectorReason.ReadOperationFailed, `scan failed: ${errorMessage(err)}`, {
          cause: err,
        });
      }
      let revision: string;
      try {
        revision = await this.#o.store.set(namespace, obj.metadata.name ?? "", tags);
      } catch (err: unknown) {
        throw new GenericReconcileError(
          ImageReflectorReason.ReadOperationFailed,
          `scan failed: failed to set tags for "${ref.canonicalName}": ${errorMessage(err)}`,
          { cause: err },
        );
      }
      const latestTags = [...tags].sort((a, b) => (a < b ? 1 : a > b ? -1 : 0)).slice(0, LATEST_TAGS_COUNT);
      obj.status = {
        ...obj.status,
        lastScanResult: {
          revision,
          tagCount: tags.length,
          scanTime: new Date(this.#now()).toISOString().replace(/\.\d{3}Z$/, "Z"),
          ...(latestTags.length > 0 ? { latestTags } : {}),
        },
      };
    }
    obj.status = { ...obj.status, canonicalImageName: ref.canonicalName, observedExclusionList: exclusionList };
    const scan = obj.status.lastScanResult;
    markReady(obj, `successful scan: found ${scan?.tagCount ?? 0} tags with checksum ${scan?.revision ?? ""}`);
  }

  /** Flux's shouldScan: why a scan is due now, or undefined. */
  async #scanReason(
    run: ReconcileRun<ImageRepository, ScanState>,
    ref: ImageReference,
    exclusionList: readonly string[],
  ): Promise<string | undefined> {
    const { obj } = run;
    const status = obj.status;
    if (!status?.lastScanResult) return "first scan";
    if (run.reconcileRequested) return "reconcile requested";
    if (status.canonicalImageName !== ref.canonicalName) return "new image name";
    const observed = status.observedExclusionList ?? [];
    if (observed.length !== exclusionList.length || !exclusionList.every((p) => observed.includes(p))) {
      return "updated exclusion list";
    }
    const stored = await this.#o.store.get(obj.metadata.namespace ?? "default", obj.metadata.name ?? "");
    if (stored.length === 0) return "no tags in database";
    const last = Date.parse(status.lastScanResult.scanTime ?? "");
    if (Number.isNaN(last) || parseDuration(obj.spec.interval) - (this.#now() - last) < 1000) {
      return "triggered by interval";
    }
    return undefined;
  }
}
