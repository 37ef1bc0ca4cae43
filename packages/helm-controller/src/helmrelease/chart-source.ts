// The chart of a HelmRelease: the HelmChart helm-controller server-side applies for `spec.chart` (and deletes
// when no longer used), or the `spec.chartRef` object; waiting for its artifact, then downloading it with the
// digest verified and locating the chart directory inside.

import { readdir, readFile, rm, stat } from "node:fs/promises";
import { join } from "node:path";
import {
  type Artifact,
  type Condition,
  HELM_FIELD_MANAGER,
  type HelmRelease,
  HelmReleaseReason,
  helmChartName,
  helmChartNamespace,
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
  WaitingError,
} from "@sluice/runtime";
import { parse as parseYaml } from "yaml";

interface SourceObject {
  apiVersion: string;
  kind: string;
  metadata: { name?: string; namespace?: string; generation?: number };
  status?: { artifact?: Artifact; conditions?: Condition[]; observedGeneration?: number };
}

/** A chart ready to hand to helm. */
export interface LoadedChart {
  /** Directory holding Chart.yaml. */
  dir: string;
  /** Chart name and version from Chart.yaml. */
  name: string;
  version: string;
  /** `lastAttemptedRevision`: the chart version (`<version>+<digest[0:12]>` for OCIRepository). */
  revision: string;
  /** Digest of the artifact. */
  digest: string;
  /** Removes the downloaded files. */
  cleanup(): Promise<void>;
}

/** `<namespace>/<name>` of the source object the chart comes from. */
export interface ChartSourceRef {
  kind: string;
  namespace: string;
  name: string;
}

/** Server-side applies the HelmChart of `spec.chart` (field manager helm-controller) and returns its ref. */
export async function applyHelmChartTemplate(client: KubeClient, hr: HelmRelease): Promise<ChartSourceRef> {
  const template = hr.spec.chart;
  if (!template) throw new TypeError("applyHelmChartTemplate: spec.chart is not set");
  const namespace = helmChartNamespace(hr);
  const name = helmChartName(hr);
  const t = template.spec;
  const spec: Record<string, unknown> = {
    chart: t.chart,
    version: t.version ?? "*",
    sourceRef: { kind: t.sourceRef.kind, name: t.sourceRef.name },
    interval: t.interval ?? hr.spec.interval,
    reconcileStrategy: t.reconcileStrategy ?? "ChartVersion",
  };
  if (t.valuesFiles) spec["valuesFiles"] = t.valuesFiles;
  if (t.ignoreMissingValuesFiles) spec["ignoreMissingValuesFiles"] = true;
  if (t.verify) spec["verify"] = t.verify;
  const metadata: Record<string, unknown> = { name, namespace };
  if (template.metadata?.labels) metadata["labels"] = template.metadata.labels;
  if (template.metadata?.annotations) metadata["annotations"] = template.metadata.annotations;
  await client.apply({ apiVersion: SOURCE_API_VERSION, kind: "HelmChart", metadata, spec } as never, {
    fieldManager: HELM_FIELD_MANAGER,
    force: true,
  });
  return { kind: "HelmChart", namespace, name };
}

/** Deletes the HelmChart `<namespace>/<name>` recorded in `status.helmChart` (gone already is fine). */
export async function deleteHelmChart(client: KubeClient, nsName: string): Promise<void> {
  const [namespace, name] = nsName.split("/");
  if (!namespace || !name) return;
  try {
    await client.delete({ apiVersion: SOURCE_API_VERSION, kind: "HelmChart", namespace, name });
  } catch (err: unknown) {
    if (!isNotFound(err)) throw err;
  }
}

/** The source object `spec.chartRef` points at. */
export function chartRefOf(hr: HelmRelease): ChartSourceRef | undefined {
  const ref = hr.spec.chartRef;
  if (!ref) return undefined;
  return { kind: ref.kind, namespace: ref.namespace ?? hr.metadata.namespace ?? "", name: ref.name };
}

function readyCondition(obj: SourceObject): Condition | undefined {
  return obj.status?.conditions?.find((c) => c.type === "Ready");
}

/**
 * Waits for the source's artifact: a missing object or one without a Ready artifact for its generation is a
 * {@link WaitingError} (ArtifactFailed, requeued after `requeueMs`). Returns the artifact.
 */
export async function sourceArtifact(client: KubeClient, ref: ChartSourceRef, requeueMs: number): Promise<Artifact> {
  const what = `${ref.kind} '${ref.namespace}/${ref.name}'`;
  let obj: SourceObject;
  try {
    obj = await client.get<SourceObject>({
      apiVersion: SOURCE_API_VERSION,
      kind: ref.kind,
      namespace: ref.namespace,
      name: ref.name,
    });
  } catch (err: unknown) {
    if (isNotFound(err))
      throw new WaitingError(HelmReleaseReason.ArtifactFailed, `could not get ${what}: not found`, requeueMs);
    throw err;
  }
  const artifact = obj.status?.artifact;
  const ready = readyCondition(obj);
  const current = obj.status?.observedGeneration === obj.metadata.generation;
  if (!artifact || ready?.status !== "True" || !current) {
    const detail = ready?.message ? `: ${ready.message}` : "";
    const message = artifact ? `${what} is not ready${detail}` : `${what} has no artifact${detail}`;
    if (!artifact || ready?.status === "False" || !current)
      throw new WaitingError(HelmReleaseReason.ArtifactFailed, message, requeueMs);
  }
  return artifact as Artifact;
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

/**
 * Downloads the artifact (digest verified, safe extraction) and loads the chart's name and version.
 * Failures are GenericReconcileErrors with reason ArtifactFailed naming the source and URL.
 */
export async function loadChart(ref: ChartSourceRef, artifact: Artifact): Promise<LoadedChart> {
  const what = `${ref.kind} '${ref.namespace}/${ref.name}'`;
  let fetched: Awaited<ReturnType<typeof fetchArtifact>>;
  try {
    fetched = await fetchArtifact(artifact.url, artifact.digest ?? "", { hostOverride: artifactHostFromEnv() });
  } catch (err: unknown) {
    const reason = err instanceof ArtifactNotFoundError ? "artifact not found" : errorMessage(err);
    throw new GenericReconcileError(
      HelmReleaseReason.ArtifactFailed,
      `failed to load chart from ${what} artifact '${artifact.url}': ${reason}`,
      { cause: err },
    );
  }
  const cleanup = () => rm(fetched.dir, { recursive: true, force: true });
  try {
    const dir = await findChartDir(fetched.dir);
    if (!dir) throw new Error("no Chart.yaml in the artifact");
    const meta = parseYaml(await readFile(join(dir, "Chart.yaml"), "utf8")) as { name?: string; version?: string };
    if (!meta?.name || !meta.version) throw new Error("Chart.yaml lacks name or version");
    const digest = fetched.digest;
    const revision =
      ref.kind === "OCIRepository"
        ? `${meta.version}+${digest.slice(digest.indexOf(":") + 1, digest.indexOf(":") + 13)}`
        : meta.version;
    return { dir, name: meta.name, version: meta.version, revision, digest, cleanup };
  } catch (err: unknown) {
    await cleanup();
    throw new GenericReconcileError(
      HelmReleaseReason.ArtifactFailed,
      `failed to load chart from ${what}: ${errorMessage(err)}`,
      { cause: err },
    );
  }
}
