// The OCIRepository reconciler (source.toolkit.fluxcd.io/v1): pulls an OCI artifact (tag, semver or digest)
// from a registry and stores its selected layer (extracted and re-archived, or copied) as an artifact, with
// Flux's revision format, conditions, reasons, messages, status fields and events.

import { createWriteStream } from "node:fs";
import { mkdir } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import {
  type Artifact,
  DEFAULT_SOURCE_TIMEOUT,
  type OCIRepository,
  OciLayerOperation,
  OciProvider,
  ociLayerOperation,
  parseDuration,
  SourceCondition,
  SourceKind,
  SourceReason,
} from "@sluice/api";
import {
  OciClient,
  type OciDescriptor,
  type OciImageManifest,
  type OciTlsOptions,
  type ProxyOptions,
  parseOciUrl,
  RegistryAuthError,
  type RegistryCredentials,
  registryCredentials,
  registryProxy,
  registryTls,
} from "@sluice/oci";
import { extractTarball } from "@sluice/runtime/artifact";
import { deleteCondition, isFalse, markFalse } from "@sluice/runtime/conditions";
import type { ReconcileContext, ReconcileResult, Reconciler } from "@sluice/runtime/controller";
import { errorMessage, StallingError } from "@sluice/runtime/errors";
import type { KubeClient } from "@sluice/runtime/kube";
import type { ReconcileRun, StepReconciler } from "@sluice/runtime/reconcile";
import { loadSourceIgnore } from "../internal/ignore/index.js";
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
import { OCI_REPOSITORY_CONDITIONS } from "./conditions.js";
import { ociContentConfigChanged } from "./content-config.js";
import { selectSemverTag } from "./tag-select.js";

/** OCI annotation with the artifact's source URL. */
export const OCI_SOURCE_ANNOTATION = "org.opencontainers.image.source";
/** OCI annotation with the artifact's source revision. */
export const OCI_REVISION_ANNOTATION = "org.opencontainers.image.revision";

/** Options of {@link OCIRepositoryReconciler}. */
export type OCIRepositoryReconcilerOptions = SourceReconcilerOptions;

/** What the source step learnt, shared with the artifact step. */
interface SourceState {
  /** `<tag>@sha256:<digest>` or `sha256:<digest>`. */
  revision: string;
  /** Pulled content, undefined when the stored artifact is up to date. */
  pulled?: { annotations: Record<string, string> | undefined; copiedFile?: string | undefined } | undefined;
}

/** What one run's steps share: the temporary directory of the pull, and what the source step learnt. */
interface OCIRepositoryRun {
  /** The temporary directory the layer is pulled into (removed when the steps end). */
  work: string;
  source?: SourceState;
}

/**
 * Reconciles OCIRepositories as Flux's source-controller does, through the runtime's reconcile skeleton
 * (deletion → removes the object's storage; finalizer; `spec.suspend`), with these steps:
 *
 * 1. progress: Reconciling/Ready Unknown, persisted at once for a new generation or a requested run;
 * 2. storage: a stored artifact that vanished or fails its digest check is dropped;
 * 3. source: credentials from `secretRef` and the image pull secrets of `serviceAccountName`
 *    (AuthenticationFailed), TLS from `certSecretRef` (AuthenticationFailed), the URL (URLInvalid,
 *    stalling), the tag (`ref.digest` > `ref.semver` + `semverFilter` > `ref.tag` > `latest`;
 *    ReadOperationFailed), the remote digest (OCIArtifactPullFailed) and the revision `<tag>@<digest>` (or
 *    `<digest>`); unchanged revision and content settings → no pull; otherwise ArtifactOutdated NewRevision,
 *    the manifest is pulled (OCIArtifactPullFailed), its annotations become `artifact.metadata`, and the
 *    layer chosen by `layerSelector` is streamed, digest-verified, and extracted safely or copied
 *    (OCIArtifactLayerOperationFailed); every request goes through the `proxySecretRef` proxy when set
 *    (AuthenticationFailed when its Secret is unusable); `verify` is refused (VerificationError, stalling),
 *    as are non-generic `provider`s without pull secrets (AuthenticationFailed, stalling);
 * 4. artifact: archived with `.sourceignore`/`spec.ignore` (extract) or stored as is (copy) as
 *    `<digest>.tar.gz`, with `observedIgnore` and `observedLayerSelector` and the `latest.tar.gz` URL.
 *
 * Ready is summarized from those conditions; a new artifact emits `NewArtifact`; old artifacts are
 * garbage collected; the object is requeued after `spec.interval`.
 */
export class OCIRepositoryReconciler implements Reconciler<OCIRepository> {
  readonly #client: KubeClient;
  readonly #storage: ArtifactStorage;
  readonly #steps: SourceSteps;
  readonly #skeleton: StepReconciler<OCIRepository, OCIRepositoryRun>;

  constructor(options: OCIRepositoryReconcilerOptions) {
    this.#client = options.client;
    this.#storage = options.storage;
    this.#steps = new SourceSteps(options.storage);
    this.#skeleton = sourceReconciler<OCIRepository, OCIRepositoryRun>(options, this.#steps, {
      kind: SourceKind.OCIRepository,
      conditions: OCI_REPOSITORY_CONDITIONS,
      newState: () => ({ work: "" }),
      reconcileStorage: (run) => this.#steps.reconcileStorage(run, LATEST_LINK),
      reconcileSource: (run) => this.#reconcileSource(run),
      reconcileArtifact: (run) => this.#reconcileArtifact(run),
      interval: (obj) => parseDuration(obj.spec.interval),
      announce: (run) => {
        const message = (a: Artifact) => newArtifactMessage(run.obj, a);
        this.#steps.announceArtifact(run, message, OCI_REPOSITORY_CONDITIONS.fail);
      },
    });
  }

  /** Runs one reconcile of `obj` (a private copy from the cache); see the class comment. */
  reconcile(obj: OCIRepository, ctx: ReconcileContext): Promise<ReconcileResult> {
    return this.#skeleton.reconcile(obj, ctx);
  }

  /** Reference, remote digest and (when new) the pulled layer in a temporary directory. */
  async #reconcileSource(run: ReconcileRun<OCIRepository, OCIRepositoryRun>): Promise<void> {
    const { obj, ctx } = run;
    const work = await workDirectory(run, tmpdir(), "sluice-ocirepository-");
    run.state.work = work;

    if (isFalse(obj, SourceCondition.SourceVerified)) deleteCondition(obj, SourceCondition.SourceVerified);
    const { client, address } = await this.#connect(obj, ctx);
    const { repository } = address;
    const { revision, digest, tag } = await this.#resolveRevision(obj, client, repository);
    const current = obj.status?.artifact;
    const refText = `${address.registry}/${repository}${digest && !tag ? `@${digest}` : `:${tag}`}`;
    const markNewRevision = async (): Promise<void> => {
      if (current?.revision === revision) return;
      await markBuilding(run, `new revision '${revision}' for '${refText}'`, !!current);
    };

    if (!obj.spec.verify) {
      deleteCondition(obj, SourceCondition.SourceVerified);
    } else {
      await markNewRevision();
      const e = new StallingError(
        SourceReason.VerificationError,
        `failed to verify the signature using provider '${obj.spec.verify.provider}${obj.spec.verify.provider === "cosign" && !obj.spec.verify.secretRef ? " keyless" : ""}': signature verification (cosign, notation) is not supported by this source-controller; remove spec.verify to pull unverified artifacts`,
      );
      markFalse(obj, SourceCondition.SourceVerified, e.reason, e.message);
      throw e;
    }

    if (current?.revision === revision && !ociContentConfigChanged(obj)) {
      deleteCondition(obj, SourceCondition.FetchFailed);
      run.state.source = { revision };
      return;
    }
    await markNewRevision();
    run.state.source = { revision, pulled: await this.#pull(obj, client, repository, digest, work) };
  }

  /**
   * A client for the registry of `spec.url`: credentials (`secretRef`, ServiceAccount pull secrets), proxy
   * and TLS (AuthenticationFailed), the URL (URLInvalid, stalling) and `spec.timeout`.
   */
  async #connect(
    obj: OCIRepository,
    ctx: ReconcileContext,
  ): Promise<{ client: OciClient; address: ReturnType<typeof parseOciUrl> }> {
    const namespace = obj.metadata.namespace ?? "";
    const url = obj.spec.url;

    let address: ReturnType<typeof parseOciUrl> | undefined;
    let addressError: unknown;
    try {
      address = parseOciUrl(url);
    } catch (err: unknown) {
      addressError = err;
    }

    let credentials: RegistryCredentials | undefined;
    let secretCount = 0;
    try {
      const found = await registryCredentials(
        this.#client,
        namespace,
        address?.registry ?? "",
        obj.spec.secretRef?.name,
        obj.spec.serviceAccountName,
      );
      credentials = found.credentials;
      secretCount = found.secretCount;
    } catch (err: unknown) {
      throw fetchFailed(obj, SourceReason.AuthenticationFailed, `failed to get credential: ${errorMessage(err)}`, err);
    }
    const provider = obj.spec.provider ?? OciProvider.Generic;
    if (provider !== OciProvider.Generic && secretCount === 0) {
      throw fetchStalled(
        obj,
        SourceReason.AuthenticationFailed,
        `failed to get credential from ${provider}: provider '${provider}' is not supported by this source-controller; use 'generic' with spec.secretRef or spec.serviceAccountName`,
      );
    }

    let proxy: ProxyOptions | undefined;
    if (obj.spec.proxySecretRef?.name) {
      try {
        proxy = await registryProxy(this.#client, namespace, obj.spec.proxySecretRef.name);
      } catch (err: unknown) {
        throw fetchFailed(
          obj,
          SourceReason.AuthenticationFailed,
          `failed to get proxy address: ${errorMessage(err)}`,
          err,
        );
      }
    }

    let tls: OciTlsOptions | undefined;
    if (obj.spec.certSecretRef?.name) {
      try {
        tls = await registryTls(this.#client, namespace, obj.spec.certSecretRef.name);
      } catch (err: unknown) {
        const reason = err instanceof RegistryAuthError ? errorMessage(err) : String(err);
        throw fetchFailed(
          obj,
          SourceReason.AuthenticationFailed,
          `failed to generate transport for '${url}': ${reason}`,
          err,
        );
      }
    } else if (obj.spec.insecure) {
      tls = { insecureSkipVerify: true };
    }

    if (!address) {
      throw fetchStalled(
        obj,
        SourceReason.URLInvalid,
        `URL validation failed for '${url}': ${errorMessage(addressError)}`,
        addressError,
      );
    }
    const timeout = AbortSignal.timeout(parseDuration(obj.spec.timeout ?? DEFAULT_SOURCE_TIMEOUT));
    const client = new OciClient({
      registry: address.registry,
      insecure: obj.spec.insecure === true,
      credentials,
      tls,
      proxy,
      signal: AbortSignal.any([ctx.signal, timeout]),
    });
    return { client, address };
  }

  /**
   * The tag (`ref.digest` > `ref.semver` + `semverFilter` > `ref.tag` > `latest`; ReadOperationFailed) and
   * the remote digest (OCIArtifactPullFailed): revision `<tag>@<digest>`, or `<digest>` for digest refs.
   */
  async #resolveRevision(
    obj: OCIRepository,
    client: OciClient,
    repository: string,
  ): Promise<{ revision: string; digest: string; tag: string | undefined }> {
    const url = obj.spec.url;
    const mediaType = obj.spec.layerSelector?.mediaType;
    // The reference: digest > semver > tag > latest.
    const ref = obj.spec.ref;
    let tag: string | undefined;
    let digest: string | undefined;
    if (ref?.digest) {
      digest = ref.digest;
      if (!/^sha256:[a-f0-9]{64}$/.test(digest)) {
        throw fetchStalled(
          obj,
          SourceReason.URLInvalid,
          `URL validation failed for '${url}': digest '${digest}' must be 'sha256:' followed by 64 lowercase hex characters`,
        );
      }
    } else if (ref?.semver) {
      try {
        const tags = await client.listTags(repository);
        tag = selectSemverTag(tags, ref.semver, ref.semverFilter, mediaType);
      } catch (err: unknown) {
        throw fetchFailed(
          obj,
          SourceReason.ReadOperationFailed,
          `failed to determine the artifact tag for '${url}': ${errorMessage(err)}`,
          err,
        );
      }
    } else {
      tag = ref?.tag || "latest";
    }

    let revision: string;
    if (digest) {
      revision = digest;
    } else {
      try {
        const head = await client.headManifest(repository, tag ?? "latest");
        digest = head.digest;
        revision = `${tag}@${digest}`;
      } catch (err: unknown) {
        throw fetchFailed(
          obj,
          SourceReason.OCIArtifactPullFailed,
          `failed to determine artifact digest: ${errorMessage(err)}`,
          err,
        );
      }
    }
    return { revision, digest: digest ?? revision, tag };
  }

  /**
   * Pulls manifest `digest` (OCIArtifactPullFailed), selects the layer and streams it, digest-verified, into
   * `work/content` (extract, path escapes refused) or `work/<digest>.tgz` (copy) (OCIArtifactLayerOperationFailed).
   */
  async #pull(
    obj: OCIRepository,
    client: OciClient,
    repository: string,
    digest: string,
    work: string,
  ): Promise<NonNullable<SourceState["pulled"]>> {
    const url = obj.spec.url;
    const mediaType = obj.spec.layerSelector?.mediaType;
    let manifest: OciImageManifest;
    try {
      manifest = (await client.getImageManifest(repository, digest)).document;
    } catch (err: unknown) {
      throw fetchFailed(
        obj,
        SourceReason.OCIArtifactPullFailed,
        `failed to pull artifact from '${url}': ${errorMessage(err)}`,
        err,
      );
    }

    const layer = selectLayer(manifest, mediaType);
    if (typeof layer === "string") {
      throw fetchFailed(obj, SourceReason.OCIArtifactLayerOperationFailed, layer, undefined);
    }
    const operation = ociLayerOperation(obj.spec);
    const layerFailed = (message: string, err: unknown) =>
      fetchFailed(obj, SourceReason.OCIArtifactLayerOperationFailed, `${message}: ${errorMessage(err)}`, err);
    let blob: Readable;
    try {
      blob = await client.fetchBlob(repository, layer);
    } catch (err: unknown) {
      throw layerFailed("failed to extract the first layer from artifact", err);
    }
    let copiedFile: string | undefined;
    if (operation === OciLayerOperation.Copy) {
      copiedFile = join(work, `${digest}.tgz`);
      try {
        await pipeline(blob, createWriteStream(copiedFile, { mode: 0o600 }));
      } catch (err: unknown) {
        throw layerFailed("failed to copy layer from artifact", err);
      }
    } else {
      const dir = join(work, "content");
      await mkdir(dir);
      try {
        await extractTarball(blob, dir, { maxBytes: Number.MAX_SAFE_INTEGER });
      } catch (err: unknown) {
        blob.destroy();
        throw layerFailed("failed to extract layer contents from artifact", err);
      }
    }
    deleteCondition(obj, SourceCondition.FetchFailed);
    return { annotations: manifest.annotations, copiedFile };
  }

  /** Stores the pulled content (or confirms the stored artifact) and records the observations. */
  async #reconcileArtifact(run: ReconcileRun<OCIRepository, OCIRepositoryRun>): Promise<void> {
    const { obj } = run;
    const { work, source: state } = run.state;
    if (!state) throw new Error("reconcileArtifact: the source step left no revision");
    obj.status ??= {};
    const status = obj.status;
    const stored = (revision: string) => `stored artifact for digest '${revision}'`;
    if (!state.pulled) {
      markStored(obj, stored(state.revision));
      reportUpToDate(run, state.revision);
      return;
    }
    const digest = state.revision.slice(state.revision.lastIndexOf("@") + 1);
    const target = this.#steps.targetFor(obj, SourceKind.OCIRepository, state.revision, `${digest}.tar.gz`);
    const copiedFile = state.pulled.copiedFile;
    const artifact = copiedFile
      ? await storeArtifact(obj, "copy artifact", () => this.#storage.copyFromPath(target, copiedFile, 0o644))
      : await storeArtifact(obj, "archive artifact", async () => {
          const dir = join(work, "content");
          const filter = await loadSourceIgnore(dir, obj.spec.ignore);
          return this.#storage.archive(target, dir, { filter });
        });
    const annotations = state.pulled.annotations;
    status.artifact = {
      ...artifact,
      ...(annotations && Object.keys(annotations).length > 0 ? { metadata: { ...annotations } } : {}),
    };
    setOrDelete(status, "observedIgnore", obj.spec.ignore);
    const layerSelector = obj.spec.layerSelector;
    setOrDelete(status, "observedLayerSelector", layerSelector ? structuredClone(layerSelector) : undefined);
    await this.#steps.linkArtifact(run, artifact, LATEST_LINK);
    markStored(obj, stored(artifact.revision));
  }
}

/**
 * The layer `mediaType` selects (the first with that media type), or the first layer; a string is the
 * failure message (Flux's wording).
 */
function selectLayer(manifest: OciImageManifest, mediaType: string | undefined): OciDescriptor | string {
  if (manifest.layers.length === 0) return "no layers found in artifact";
  if (mediaType) {
    return (
      manifest.layers.find((l) => l.mediaType === mediaType) ??
      `failed to find layer with media type '${mediaType}' in artifact`
    );
  }
  return manifest.layers[0] as OciDescriptor;
}

/** Flux's new-artifact event message, with the origin source and revision annotations when both are set. */
function newArtifactMessage(obj: OCIRepository, artifact: Artifact): string {
  let message = `stored artifact with revision '${artifact.revision}' from '${obj.spec.url}'`;
  const source = artifact.metadata?.[OCI_SOURCE_ANNOTATION];
  const revision = artifact.metadata?.[OCI_REVISION_ANNOTATION];
  if (source && revision) message += `, origin source '${source}', origin revision '${revision}'`;
  return message;
}
