// A HelmRelease's release as Helm's storage holds it (the `sh.helm.release.v1.<name>.v<N>` Secrets, read by
// @sluice/helm-storage): the history of versions with their values (Secret- and ConfigMap-sourced values
// masked), and the desired-vs-live diff of the newest release's manifest. The manifest itself, which can
// carry Secret data, is never sent.

import {
  DriftDetectionDisabledValue,
  DriftDetectionMetadataKey,
  defaultReleaseName,
  HELM_FIELD_MANAGER,
  HELM_GROUP,
  storageNamespace,
} from "@sluice/api";
import { listReleaseVersions, manifestObjects, type StoredRelease } from "@sluice/helm-storage";
import type { KubeClient } from "@sluice/runtime/kube";
import { ResourceManager } from "@sluice/runtime/ssa";
import { stringify } from "yaml";
import type { DiffAnswer, HelmHistoryAnswer } from "../shared/api.js";
import { DiffUnavailableError, diffObjects } from "./desired-diff.js";
import { maskValuesFrom } from "./helm-values.js";
import type { FluxObject } from "./summarize.js";

interface ReleaseRef {
  release: string;
  storageNamespace: string;
}

/** Where the HelmRelease's release is stored: its status when helm-controller recorded it, else the defaults. */
export function releaseRefOf(hr: FluxObject): ReleaseRef {
  const status = (hr.status ?? {}) as { storageNamespace?: string; history?: Array<{ name?: string }> };
  const spec = (hr.spec ?? {}) as { releaseName?: string; targetNamespace?: string; storageNamespace?: string };
  return {
    release: status.history?.[0]?.name || defaultReleaseName({ metadata: hr.metadata, spec }),
    storageNamespace: status.storageNamespace || storageNamespace({ metadata: hr.metadata, spec }),
  };
}

async function storedVersions(client: KubeClient, hr: FluxObject): Promise<ReleaseRef & { versions: StoredRelease[] }> {
  const ref = releaseRefOf(hr);
  if ((hr.spec as { kubeConfig?: unknown } | undefined)?.kubeConfig) {
    throw new DiffUnavailableError(
      `HelmRelease ${hr.metadata.namespace}/${hr.metadata.name} deploys to a remote cluster (spec.kubeConfig): its release storage is there`,
    );
  }
  return { ...ref, versions: await listReleaseVersions(client, ref.storageNamespace, ref.release) };
}

/** The release's versions, newest first, with masked values; read with `client` (the viewer's identity). */
export async function helmHistory(client: KubeClient, hr: FluxObject): Promise<HelmHistoryAnswer> {
  const { release, storageNamespace: ns, versions } = await storedVersions(client, hr);
  const revisions = [];
  for (const r of versions) {
    const values = await maskValuesFrom(client, hr, r.config);
    revisions.push({
      version: r.version,
      status: r.info.status,
      chartName: r.chart.metadata.name,
      chartVersion: r.chart.metadata.version,
      appVersion: r.chart.metadata.appVersion ?? "",
      firstDeployed: r.info.first_deployed ?? "",
      lastDeployed: r.info.last_deployed ?? "",
      deleted: r.info.deleted ?? "",
      description: r.info.description ?? "",
      valuesYaml: Object.keys(values).length === 0 ? "" : stringify(values, { lineWidth: 0 }),
    });
  }
  return { release, storageNamespace: ns, revisions };
}

/**
 * What helm-controller's drift correction would change: the newest release's manifest objects dry-run
 * applied as its field manager (with `spec.driftDetection.ignore`) and compared with the live objects.
 */
export async function helmDiff(client: KubeClient, hr: FluxObject): Promise<DiffAnswer> {
  const { release, storageNamespace: ns, versions } = await storedVersions(client, hr);
  const latest = versions[0];
  if (!latest) {
    throw new DiffUnavailableError(
      `HelmRelease ${hr.metadata.namespace}/${hr.metadata.name}: no release ${release} in Helm's storage in namespace ${ns}`,
    );
  }
  const objects = await manifestObjects(client, latest.manifest ?? "", latest.namespace);
  // Objects marked `helm.toolkit.fluxcd.io/driftDetection: disabled` are left alone by helm-controller.
  const excluded = (o: (typeof objects)[number]) =>
    o.metadata.annotations?.[DriftDetectionMetadataKey] === DriftDetectionDisabledValue ||
    o.metadata.labels?.[DriftDetectionMetadataKey] === DriftDetectionDisabledValue;
  const manager = new ResourceManager({ client, owner: { field: HELM_FIELD_MANAGER, group: HELM_GROUP } });
  const ignore = (hr.spec as { driftDetection?: { ignore?: never[] } } | undefined)?.driftDetection?.ignore;
  const { entries } = await diffObjects(
    manager,
    objects.filter((o) => !excluded(o)),
    ignore ? { driftIgnoreRules: ignore } : {},
  );
  return {
    revision: `${latest.chart.metadata.name}@${latest.chart.metadata.version} (release ${release} v${latest.version})`,
    changes: entries.filter((e) => e.action !== "unchanged").length,
    entries,
  };
}
