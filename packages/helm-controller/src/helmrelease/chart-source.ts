// The chart of a HelmRelease: the HelmChart helm-controller server-side applies for `spec.chart` (and deletes
// when no longer used), or the `spec.chartRef` object; the source's readiness, then the artifact downloaded
// with its digest verified, the chart directory located and, for digest-addressed sources, its version
// suffixed with the digest (helm-controller's chart digest tracking).

import { readdir, readFile, rm, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import {
  type Artifact,
  type Condition,
  formatDuration,
  HELM_FIELD_MANAGER,
  type HelmRelease,
  HelmReleaseReason,
  helmChartName,
  helmChartNamespace,
  Reason,
  SOURCE_API_VERSION,
} from "@sluice/api";
import {
  ArtifactNotFoundError,
  artifactHostFromEnv,
  errorMessage,
  fetchArtifact,
  GenericReconcileError,
  isNotFound,
  type KubeClient,
  StallingError,
  WaitingError,
} from "@sluice/runtime";
import { parseDocument, parse as parseYaml } from "yaml";
import type { ChartFiles } from "../engine/release-engine.js";

interface SourceObject {
  apiVersion: string;
  kind: string;
  metadata: { name?: string; namespace?: string; generation?: number };
  status?: { artifact?: Artifact; conditions?: Condition[]; observedGeneration?: number };
}

/** A chart ready to hand to the release engine. */
export interface LoadedChart extends ChartFiles {
  appVersion?: string | undefined;
  /** Digest of the OCI artifact for digest-addressed sources (`status.lastAttemptedRevisionDigest`), else "". */
  ociDigest: string;
  /** Removes the downloaded files. */
  cleanup(): Promise<void>;
}

/** The source object the chart comes from. */
export interface ChartSourceRef {
  kind: string;
  namespace: string;
  name: string;
}

/** Reason of a Ready=False HelmRelease whose source is not ready (helm-controller's). */
export const SourceNotReadyReason = "SourceNotReady";
/** Reason of a chart version that cannot be combined with its source's digest. */
export const ChartMutateErrorReason = "ChartMutateError";

/** Settings of the chart steps. */
export interface ChartSourceOptions {
  /** `--no-cross-namespace-refs`. */
  noCrossNamespaceRefs: boolean;
  /** The ExternalArtifact feature gate (ExternalArtifact chartRefs allowed). */
  allowExternalArtifact: boolean;
  /** The DisableChartDigestTracking feature gate. */
  disableChartDigestTracking: boolean;
  /** `--requeue-dependency` in ms. */
  requeueMs: number;
  /** `--http-retry` and `--http-timeout` (ms) of the download. */
  fetch: { retries?: number | undefined; timeoutMs?: number | undefined };
}

/** Refuses a reference to another namespace under `--no-cross-namespace-refs` (Stalled, AccessDenied). */
export function allowsAccessTo(
  obj: HelmRelease,
  kind: string,
  ref: { namespace: string; name: string },
  noCross: boolean,
) {
  if (noCross && ref.namespace !== obj.metadata.namespace) {
    throw new StallingError(
      Reason.AccessDenied,
      `cross-namespace references are not allowed: cannot access ${kind} ${ref.namespace}/${ref.name}`,
    );
  }
}

/** The HelmChart `spec.chart` makes, or undefined with `spec.chartRef`. */
export function templateChartRef(obj: HelmRelease): ChartSourceRef | undefined {
  return obj.spec.chart
    ? { kind: "HelmChart", namespace: helmChartNamespace(obj), name: helmChartName(obj) }
    : undefined;
}

/**
 * Reconciles the HelmChart of `spec.chart` (helm-controller's HelmChartTemplate): deletes the one recorded
 * in `status.helmChart` when it is no longer the one wanted (chartRef, or another namespace), then server-side
 * applies the wanted one (field manager helm-controller) and records it. Failures to apply or delete are
 * errors (retried); a cross-namespace source under `--no-cross-namespace-refs` stalls.
 */
export async function reconcileChartTemplate(client: KubeClient, obj: HelmRelease, noCross: boolean): Promise<void> {
  obj.status ??= {};
  const status = obj.status;
  const wanted = templateChartRef(obj);
  if (status.helmChart && (!wanted || status.helmChart !== `${wanted.namespace}/${wanted.name}`)) {
    await deleteHelmChart(client, obj, noCross);
  }
  if (!wanted) return;
  allowsAccessTo(obj, "HelmChart", wanted, noCross);
  const template = obj.spec.chart;
  if (!template) return;
  const t = template.spec;
  const spec: Record<string, unknown> = {
    chart: t.chart,
    version: t.version ?? "*",
    sourceRef: { kind: t.sourceRef.kind, name: t.sourceRef.name },
    interval: t.interval ?? obj.spec.interval,
    reconcileStrategy: t.reconcileStrategy ?? "ChartVersion",
  };
  if (t.valuesFiles) spec["valuesFiles"] = t.valuesFiles;
  if (t.ignoreMissingValuesFiles) spec["ignoreMissingValuesFiles"] = true;
  if (t.verify) spec["verify"] = t.verify;
  const metadata: Record<string, unknown> = { name: wanted.name, namespace: wanted.namespace };
  if (template.metadata?.labels) metadata["labels"] = template.metadata.labels;
  if (template.metadata?.annotations) metadata["annotations"] = template.metadata.annotations;
  try {
    await client.apply({ apiVersion: SOURCE_API_VERSION, kind: "HelmChart", metadata, spec } as never, {
      fieldManager: HELM_FIELD_MANAGER,
      force: true,
    });
  } catch (err: unknown) {
    throw new GenericReconcileError(Reason.Failed, `failed to run server-side apply: ${errorMessage(err)}`, {
      cause: err,
      event: false,
    });
  }
  status.helmChart = `${wanted.namespace}/${wanted.name}`;
}

/** Deletes the HelmChart recorded in `status.helmChart` (unless suspended; gone already is fine). */
export async function deleteHelmChart(client: KubeClient, obj: HelmRelease, noCross: boolean): Promise<void> {
  const recorded = obj.status?.helmChart;
  if (obj.spec.suspend || !recorded) return;
  const [namespace = "", name = ""] = recorded.split("/");
  allowsAccessTo(obj, "HelmChart", { namespace, name }, noCross);
  try {
    await client.delete({ apiVersion: SOURCE_API_VERSION, kind: "HelmChart", namespace, name });
  } catch (err: unknown) {
    if (!isNotFound(err)) {
      throw new GenericReconcileError(Reason.Failed, `failed to delete HelmChart '${recorded}': ${errorMessage(err)}`, {
        cause: err,
      });
    }
  }
  delete obj.status?.helmChart;
}

/** The source of the chart: `spec.chartRef`, or the HelmChart recorded for `spec.chart`. */
export function chartSourceOf(obj: HelmRelease): ChartSourceRef {
  const ref = obj.spec.chartRef;
  if (ref) return { kind: ref.kind, namespace: ref.namespace || obj.metadata.namespace || "", name: ref.name };
  const [namespace = "", name = ""] = (obj.status?.helmChart ?? "").split("/");
  return { kind: "HelmChart", namespace, name };
}

function readiness(kind: string, obj: SourceObject): string | undefined {
  const what = `${kind} '${obj.metadata.namespace}/${obj.metadata.name}' is not ready`;
  if (kind === "ExternalArtifact") return obj.status?.artifact ? undefined : `${what}: does not have an artifact`;
  const ready = obj.status?.conditions?.find((c) => c.type === "Ready");
  if (obj.metadata.generation !== obj.status?.observedGeneration) {
    return `${what}: ${ready?.status === "False" ? ready.message : "latest generation of object has not been reconciled"}`;
  }
  const stalled = obj.status?.conditions?.find((c) => c.type === "Stalled" && c.status === "True");
  if (stalled) return `${what}: ${stalled.message}`;
  if (!obj.status?.artifact) return `${what}: does not have an artifact`;
  return undefined;
}

/**
 * Reads the chart's source and waits for its artifact: a cross-namespace source under
 * `--no-cross-namespace-refs` (or an ExternalArtifact without its feature gate) stalls (AccessDenied); a
 * source that cannot be read is an ArtifactFailed error; one not ready is a {@link WaitingError}
 * (SourceNotReady, requeued after `--requeue-dependency`).
 */
export async function sourceArtifact(
  client: KubeClient,
  obj: HelmRelease,
  ref: ChartSourceRef,
  options: ChartSourceOptions,
): Promise<Artifact> {
  allowsAccessTo(obj, ref.kind, ref, options.noCrossNamespaceRefs);
  if (ref.kind === "ExternalArtifact" && !options.allowExternalArtifact) {
    throw new StallingError(
      Reason.AccessDenied,
      `can't access '${ref.kind}/${ref.namespace}/${ref.name}', ExternalArtifact feature gate is disabled`,
    );
  }
  let source: SourceObject;
  try {
    source = await client.get<SourceObject>({
      apiVersion: SOURCE_API_VERSION,
      kind: ref.kind,
      namespace: ref.namespace,
      name: ref.name,
    });
  } catch (err: unknown) {
    throw new GenericReconcileError(
      HelmReleaseReason.ArtifactFailed,
      `could not get Source object: ${errorMessage(err)}`,
      {
        cause: err,
        event: false,
      },
    );
  }
  const notReady = readiness(ref.kind, source);
  if (notReady) throw new WaitingError(SourceNotReadyReason, notReady, options.requeueMs);
  return source.status?.artifact as Artifact;
}

async function findChartDir(root: string): Promise<string | undefined> {
  if (await exists(join(root, "Chart.yaml"))) return root;
  for (const entry of await readdir(root, { withFileTypes: true })) {
    if (entry.isDirectory() && (await exists(join(root, entry.name, "Chart.yaml")))) return join(root, entry.name);
  }
  return undefined;
}

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
}

const SEMVER = /^v?(\d+)\.(\d+)\.(\d+)(?:-([0-9A-Za-z.-]+))?(?:\+[0-9A-Za-z.-]+)?$/;

function sameVersion(a: string, b: string): boolean {
  const x = SEMVER.exec(a);
  const y = SEMVER.exec(b);
  return !!x && !!y && x[1] === y[1] && x[2] === y[2] && x[3] === y[3] && (x[4] ?? "") === (y[4] ?? "");
}

/**
 * For OCIRepository and ExternalArtifact sources (digest revisions `<tag>@sha256:<hex>` or `sha256:<hex>`):
 * the chart version with the first 12 hex of the digest as build metadata and the digest itself, as
 * helm-controller's mutateChartWithSourceRevision; `{version, ociDigest: ""}` for other sources.
 */
export function chartVersionWithDigest(
  kind: string,
  version: string,
  revision: string,
): { version: string; ociDigest: string } {
  const digestAddressed = kind === "OCIRepository" || (kind === "ExternalArtifact" && revision.includes(":"));
  if (!digestAddressed) return { version, ociDigest: "" };
  if (!SEMVER.test(version)) throw new Error(`invalid chart version ${version}`);
  const at = revision.indexOf("@");
  const tag = at >= 0 ? revision.slice(0, at).replaceAll("_", "+") : "";
  const digest = at >= 0 ? revision.slice(at + 1) : revision;
  if (at >= 0 && SEMVER.test(tag) && !sameVersion(tag, version)) {
    throw new Error(`artifact revision ${revision.slice(0, at)} does not match chart version ${version}`);
  }
  const pair = digest.split(":");
  const hex = pair.length === 2 ? pair[1] : undefined;
  if (!hex || hex.length < 12) throw new Error(`invalid artifact revision ${digest}`);
  return { version: `${version.replace(/\+.*$/, "")}+${hex.slice(0, 12)}`, ociDigest: digest };
}

/**
 * Downloads the artifact (digest verified, safe extraction) and loads the chart's metadata; with digest
 * tracking the recorded chart version carries the source digest (written into Chart.yaml, so Helm records
 * it). A missing artifact is a {@link WaitingError} (ArtifactFailed); other failures are ArtifactFailed or
 * ChartMutateError errors.
 */
export async function loadChart(
  ref: ChartSourceRef,
  artifact: Artifact,
  options: ChartSourceOptions,
): Promise<LoadedChart> {
  let fetched: Awaited<ReturnType<typeof fetchArtifact>>;
  try {
    fetched = await fetchArtifact(artifact.url, artifact.digest ?? "", {
      hostOverride: artifactHostFromEnv(),
      ...(options.fetch.retries !== undefined ? { retries: options.fetch.retries } : {}),
      ...(options.fetch.timeoutMs !== undefined ? { timeoutMs: options.fetch.timeoutMs } : {}),
    });
  } catch (err: unknown) {
    if (err instanceof ArtifactNotFoundError) {
      throw new WaitingError(
        HelmReleaseReason.ArtifactFailed,
        `Source not ready: artifact not found. Retrying in ${formatDuration(options.requeueMs)}`,
        options.requeueMs,
        { cause: err },
      );
    }
    throw new GenericReconcileError(HelmReleaseReason.ArtifactFailed, `Could not load chart: ${errorMessage(err)}`, {
      cause: err,
    });
  }
  const cleanup = () => rm(fetched.dir, { recursive: true, force: true });
  let dir: string | undefined;
  let meta: { name?: string; version?: string; appVersion?: string };
  try {
    dir = await findChartDir(fetched.dir);
    if (!dir) throw new Error("no Chart.yaml in the artifact");
    meta = parseYaml(await readFile(join(dir, "Chart.yaml"), "utf8")) as typeof meta;
    if (!meta?.name || !meta.version) throw new Error("Chart.yaml lacks name or version");
  } catch (err: unknown) {
    await cleanup();
    throw new GenericReconcileError(HelmReleaseReason.ArtifactFailed, `Could not load chart: ${errorMessage(err)}`, {
      cause: err,
    });
  }
  try {
    const mutated = chartVersionWithDigest(ref.kind, String(meta.version), artifact.revision);
    let version = String(meta.version);
    if (!options.disableChartDigestTracking && mutated.version !== version) {
      const chartYaml = join(dir, "Chart.yaml");
      const doc = parseDocument(await readFile(chartYaml, "utf8"));
      doc.set("version", mutated.version);
      await writeFile(chartYaml, doc.toString());
      version = mutated.version;
    }
    return { dir, name: meta.name, version, appVersion: meta.appVersion, ociDigest: mutated.ociDigest, cleanup };
  } catch (err: unknown) {
    await cleanup();
    throw new GenericReconcileError(ChartMutateErrorReason, errorMessage(err), { cause: err });
  }
}
