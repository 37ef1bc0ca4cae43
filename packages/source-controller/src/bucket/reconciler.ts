// The Bucket reconciler (source.toolkit.fluxcd.io/v1): lists an S3-compatible bucket, digests its object index
// (key → ETag) into the revision `sha256:<hex>`, downloads the objects when that revision is new and stores them
// as a tar.gz artifact, with Flux's conditions, reasons, messages, status fields and events.

import { tmpdir } from "node:os";
import {
  type Bucket,
  BucketProvider,
  DEFAULT_SOURCE_TIMEOUT,
  parseDuration,
  SourceCondition,
  SourceKind,
  SourceReason,
} from "@sluice/api";
import { type OciTlsOptions, type ProxyOptions, registryProxy, registryTls } from "@sluice/oci";
import { deleteCondition } from "@sluice/runtime/conditions";
import type { ReconcileContext, ReconcileResult, Reconciler } from "@sluice/runtime/controller";
import { errorMessage } from "@sluice/runtime/errors";
import { type KubeClient, readSecretData } from "@sluice/runtime/kube";
import type { ReconcileRun, StepReconciler } from "@sluice/runtime/reconcile";
import {
  fetchFailed,
  fetchStalled,
  LATEST_LINK,
  markBuilding,
  markStored,
  reportUpToDate,
  type SourceReconcilerOptions,
  SourceSteps,
  setOrDelete,
  sourceReconciler,
  storeArtifact,
  workDirectory,
} from "../internal/reconcile/index.js";
import type { ArtifactStorage } from "../internal/storage/index.js";
import { fetchEtagIndex, fetchIndexFiles } from "./bucket-fetch.js";
import { BUCKET_CONDITIONS } from "./conditions.js";
import { ObjectIndex } from "./index-digest.js";
import { S3BucketClient } from "./s3-client.js";

/** Options of {@link BucketReconciler}. */
export type BucketReconcilerOptions = SourceReconcilerOptions;

/** What one run's steps share. */
interface BucketRun {
  /** Temporary directory the objects are downloaded into (removed when the steps end). */
  work: string;
  /** The object index the source step built. */
  index: ObjectIndex;
}

/** What `secretRef`, `certSecretRef` and `proxySecretRef` hold. */
interface BucketCredentials {
  keys?: { accessKey: string; secretKey: string } | undefined;
  tls?: OciTlsOptions | undefined;
  proxy?: ProxyOptions | undefined;
}

/**
 * Reconciles Buckets as Flux's source-controller does, through the runtime's reconcile skeleton (deletion →
 * removes the object's storage; finalizer; `spec.suspend`), with these steps:
 *
 * 1. progress: Reconciling/Ready Unknown, persisted at once for a new generation or a requested run;
 * 2. storage: a stored artifact that vanished or fails its digest check is dropped;
 * 3. source: `secretRef` (`accesskey`/`secretkey`), `proxySecretRef` and `certSecretRef` (AuthenticationFailed);
 *    `gcp`/`azure`, `aws` without `secretRef` and `sts` are refused (InvalidProviderConfiguration /
 *    InvalidSTSConfiguration, stalling); the index of the bucket's objects under `prefix`, filtered by the
 *    bucket's `.sourceignore` and `spec.ignore`, within `spec.timeout` (BucketOperationFailed); a digest
 *    different from the stored revision marks ArtifactOutdated NewRevision and downloads the objects;
 * 4. artifact: the downloaded tree archived as `<hex>.tar.gz` with revision `sha256:<hex>`, `observedIgnore`
 *    and the `latest.tar.gz` URL (ArchiveOperationFailed); an unchanged index only confirms ArtifactInStorage.
 *
 * Ready is summarized from those conditions; a new artifact emits `NewArtifact`; old artifacts are garbage
 * collected; the object is requeued after `spec.interval`.
 */
export class BucketReconciler implements Reconciler<Bucket> {
  readonly #client: KubeClient;
  readonly #storage: ArtifactStorage;
  readonly #steps: SourceSteps;
  readonly #skeleton: StepReconciler<Bucket, BucketRun>;

  constructor(options: BucketReconcilerOptions) {
    this.#client = options.client;
    this.#storage = options.storage;
    this.#steps = new SourceSteps(options.storage);
    this.#skeleton = sourceReconciler<Bucket, BucketRun>(options, this.#steps, {
      kind: SourceKind.Bucket,
      conditions: BUCKET_CONDITIONS,
      newState: () => ({ work: "", index: new ObjectIndex() }),
      reconcileStorage: (run) => this.#steps.reconcileStorage(run, LATEST_LINK),
      reconcileSource: (run) => this.#reconcileSource(run),
      reconcileArtifact: (run) => this.#reconcileArtifact(run),
      interval: (obj) => parseDuration(obj.spec.interval),
      announce: (run) => {
        const message = () =>
          `stored artifact with ${run.state.index.size} fetched files from '${run.obj.spec.bucketName}' bucket`;
        this.#steps.announceArtifact(run, message, BUCKET_CONDITIONS.fail);
      },
    });
  }

  /** Runs one reconcile of `obj` (a private copy from the cache); see the class comment. */
  reconcile(obj: Bucket, ctx: ReconcileContext): Promise<ReconcileResult> {
    return this.#skeleton.reconcile(obj, ctx);
  }

  /** Credentials, the S3 client, the object index and (when the revision is new) the objects. */
  async #reconcileSource(run: ReconcileRun<Bucket, BucketRun>): Promise<void> {
    const { obj, log } = run;
    const prefix = `sluice-bucket-${obj.metadata.namespace}-${obj.metadata.name}-`;
    const work = await workDirectory(run, tmpdir(), prefix);
    run.state.work = work;

    const credentials = await this.#credentials(obj);
    const client = await this.#connect(obj, credentials);
    run.defer(() => client.close());

    const bucket = obj.spec.bucketName;
    const timeoutMs = parseDuration(obj.spec.timeout ?? DEFAULT_SOURCE_TIMEOUT);
    const index = run.state.index;
    let changed = false;
    try {
      await client.withDeadline(timeoutMs, run.signal, () =>
        fetchEtagIndex(client, bucket, obj.spec.prefix ?? "", obj.spec.ignore, index, work),
      );
      const current = obj.status?.artifact;
      if (current?.revision) changed = current.revision !== index.digest();
      if (!current || changed) {
        await client.withDeadline(timeoutMs, run.signal, () => fetchIndexFiles(client, bucket, index, work, log));
      }
    } catch (err: unknown) {
      throw fetchFailed(obj, SourceReason.BucketOperationFailed, errorMessage(err), err);
    }

    if (changed) await markBuilding(run, `new upstream revision '${index.digest()}'`, !!obj.status?.artifact);
    deleteCondition(obj, SourceCondition.FetchFailed);
  }

  /**
   * The Secrets the Bucket names, validated as Flux does: a missing Secret, unusable TLS or proxy settings,
   * or a `secretRef` without both `accesskey` and `secretkey` fail with AuthenticationFailed (retried).
   */
  async #credentials(obj: Bucket): Promise<BucketCredentials> {
    const namespace = obj.metadata.namespace ?? "";
    const failed = (message: string, err?: unknown) =>
      fetchFailed(obj, SourceReason.AuthenticationFailed, message, err);
    const found: BucketCredentials = {};
    const secretName = obj.spec.secretRef?.name;
    if (secretName) {
      let data: Record<string, Buffer>;
      try {
        data = await readSecretData(this.#client, namespace, secretName);
      } catch (err: unknown) {
        throw failed(`failed to get secret '${namespace}/${secretName}': ${errorMessage(err)}`, err);
      }
      const accessKey = data.accesskey;
      const secretKey = data.secretkey;
      if (accessKey === undefined || secretKey === undefined) {
        throw failed(`invalid '${secretName}' secret data: required fields 'accesskey' and 'secretkey'`);
      }
      // Empty keys mean anonymous requests, as minio-go's static credentials.
      if (accessKey.length > 0 && secretKey.length > 0) {
        found.keys = { accessKey: accessKey.toString("utf8"), secretKey: secretKey.toString("utf8") };
      }
    }
    if (obj.spec.proxySecretRef?.name) {
      try {
        found.proxy = await registryProxy(this.#client, namespace, obj.spec.proxySecretRef.name);
      } catch (err: unknown) {
        throw failed(`failed to get proxy URL: ${errorMessage(err)}`, err);
      }
    }
    if (obj.spec.certSecretRef?.name) {
      try {
        found.tls = await registryTls(this.#client, namespace, obj.spec.certSecretRef.name);
      } catch (err: unknown) {
        throw failed(`failed to get TLS config: ${errorMessage(err)}`, err);
      }
    }
    return found;
  }

  /**
   * The S3 client of the provider: `generic`, and `aws` with static keys from `secretRef` (the same S3 client
   * in Flux). Workload identity (`aws` without `secretRef`), `gcp`, `azure` and `sts` stall with a message
   * naming what is not supported; an endpoint the client can't use fails with AuthenticationFailed.
   */
  async #connect(obj: Bucket, credentials: BucketCredentials): Promise<S3BucketClient> {
    const provider = obj.spec.provider ?? BucketProvider.Generic;
    const stall = (reason: string, message: string) => fetchStalled(obj, reason, message);
    if (provider === BucketProvider.Gcp || provider === BucketProvider.Azure) {
      throw stall(
        SourceReason.InvalidProviderConfiguration,
        `Bucket provider '${provider}' is not supported by this source-controller: use 'generic' with an S3-compatible endpoint (or 'aws' with spec.secretRef)`,
      );
    }
    if (provider === BucketProvider.Aws && !credentials.keys) {
      throw stall(
        SourceReason.InvalidProviderConfiguration,
        `Bucket provider 'aws' without spec.secretRef (workload identity${obj.spec.serviceAccountName ? ` of service account '${obj.spec.serviceAccountName}'` : ""}) is not supported by this source-controller: set spec.secretRef with 'accesskey' and 'secretkey'`,
      );
    }
    if (obj.spec.sts) {
      throw stall(
        SourceReason.InvalidSTSConfiguration,
        `STS provider '${obj.spec.sts.provider}' is not supported by this source-controller: remove spec.sts and use spec.secretRef`,
      );
    }
    try {
      return await S3BucketClient.connect({
        endpoint: obj.spec.endpoint,
        insecure: obj.spec.insecure === true,
        region: obj.spec.region,
        credentials: credentials.keys,
        tls: credentials.tls,
        proxy: credentials.proxy,
      });
    } catch (err: unknown) {
      throw fetchFailed(obj, SourceReason.AuthenticationFailed, errorMessage(err), err);
    }
  }

  /** Archives the downloaded objects (or confirms the stored artifact) and records the observations. */
  async #reconcileArtifact(run: ReconcileRun<Bucket, BucketRun>): Promise<void> {
    const { obj } = run;
    const { work, index } = run.state;
    obj.status ??= {};
    const status = obj.status;
    const revision = index.digest();
    const stored = `stored artifact: revision '${revision}'`;
    if (status.artifact?.revision === revision) {
      markStored(obj, stored);
      reportUpToDate(run, revision);
      return;
    }
    const target = this.#steps.targetFor(
      obj,
      SourceKind.Bucket,
      revision,
      `${revision.slice("sha256:".length)}.tar.gz`,
    );
    const artifact = await storeArtifact(obj, "archive artifact", () => this.#storage.archive(target, work));
    status.artifact = artifact;
    setOrDelete(status, "observedIgnore", obj.spec.ignore);
    await this.#steps.linkArtifact(run, artifact, LATEST_LINK);
    markStored(obj, stored);
  }
}
