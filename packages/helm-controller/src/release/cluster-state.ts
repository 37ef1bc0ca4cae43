// The cluster side of a release: drift of the release's objects against the cluster (server-side dry-run,
// as helm-controller's action.Diff), its correction by server-side apply (action.ApplyDiff), and the
// `status.inventory` of a release manifest plus the chart's CRDs.

import {
  DriftDetectionDisabledValue,
  DriftDetectionMetadataKey,
  HELM_FIELD_MANAGER,
  HELM_GROUP,
  type HelmRelease,
} from "@sluice/api";
import { manifestObjects, type StoredRelease } from "@sluice/helm-storage";
import {
  Action,
  type ApplyOptions,
  errorMessage,
  type KubeClient,
  ResourceManager,
  subjectOf,
  type UnstructuredObject,
} from "@sluice/runtime";
import { chartCrds } from "../engine/chart-crds.js";
import { inventoryOf } from "../helmrelease/manifest-objects.js";

/** How one object of a release differs from the cluster. */
export interface DriftEntry {
  /** `create`: missing from the cluster; `update`: changed; `exclude`: opted out of drift detection. */
  type: "create" | "update" | "exclude";
  /** `Kind/namespace/name`. */
  subject: string;
  /** The object as the release manifest has it. */
  object: UnstructuredObject;
  /** JSON patch operations from the cluster's object to the desired one (updates only). */
  patch?: { additions: number; changes: number; removals: number };
}

/** What correcting drift did: `Kind/ns/name action` per object, and the failures. */
export interface DriftCorrection {
  changes: string[];
  errors: string[];
}

/** The cluster operations the release actions need. */
export interface ClusterState {
  /** The release's objects that drifted (or are excluded from drift detection), in manifest order. */
  diff(obj: HelmRelease, release: StoredRelease): Promise<DriftEntry[]>;
  /** Server-side applies the drifted objects (missing ones first). */
  correct(obj: HelmRelease, entries: readonly DriftEntry[]): Promise<DriftCorrection>;
  /** `status.inventory` entries of a release manifest and, when given, the chart's `crds/`. */
  inventory(release: StoredRelease, chartDir?: string): Promise<{ id: string; v: string }[]>;
}

/** Counts JSON patch operations (add, replace, remove) turning `from` into `to`, arrays compared by index. */
export function countPatch(from: unknown, to: unknown): { additions: number; changes: number; removals: number } {
  const out = { additions: 0, changes: 0, removals: 0 };
  const walk = (a: unknown, b: unknown): void => {
    if (Array.isArray(a) && Array.isArray(b)) {
      const size = Math.min(a.length, b.length);
      out.removals += a.length - size;
      for (let i = 0; i < size; i++) walk(a[i], b[i]);
      out.additions += b.length - size;
      return;
    }
    if (isObject(a) && isObject(b)) {
      for (const k of Object.keys(a)) if (!(k in b)) out.removals++;
      for (const k of Object.keys(b)) {
        if (!(k in a)) out.additions++;
        else walk(a[k], b[k]);
      }
      return;
    }
    if (JSON.stringify(a) !== JSON.stringify(b)) out.changes++;
  };
  walk(from, to);
  return out;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** The parts of an object the API server manages, left out of drift comparisons. */
function comparable(obj: UnstructuredObject): Record<string, unknown> {
  const { status: _status, metadata, ...rest } = obj as UnstructuredObject & { status?: unknown };
  const {
    managedFields: _m,
    resourceVersion: _r,
    generation: _g,
    creationTimestamp: _c,
    uid: _u,
    ...meta
  } = metadata as Record<string, unknown>;
  return { ...rest, metadata: meta };
}

function excluded(o: UnstructuredObject): boolean {
  return (
    o.metadata.annotations?.[DriftDetectionMetadataKey] === DriftDetectionDisabledValue ||
    o.metadata.labels?.[DriftDetectionMetadataKey] === DriftDetectionDisabledValue
  );
}

/**
 * {@link ClusterState} through the runtime's server-side apply ResourceManager (field manager
 * helm-controller). Fields of `overrideManagers` (`--override-manager`) are taken over when comparing and
 * correcting; no other manager's fields are touched.
 */
export class ResourceManagerClusterState implements ClusterState {
  readonly #client: KubeClient;
  readonly #rm: ResourceManager;
  readonly #cleanup: NonNullable<ApplyOptions["cleanup"]>;

  constructor(client: KubeClient, overrideManagers: readonly string[] = []) {
    this.#client = client;
    this.#rm = new ResourceManager({ client, owner: { field: HELM_FIELD_MANAGER, group: HELM_GROUP } });
    this.#cleanup =
      overrideManagers.length > 0
        ? {
            annotations: [],
            fieldManagers: overrideManagers.flatMap((name) => [
              { name, operation: "Apply" as const, exactMatch: true },
              { name, operation: "Update" as const, exactMatch: true },
            ]),
          }
        : false;
  }

  #options(obj: HelmRelease): ApplyOptions {
    return {
      driftIgnoreRules: (obj.spec.driftDetection?.ignore ?? []) as never[],
      policyAnnotations: false,
      cleanup: this.#cleanup,
    };
  }

  async diff(obj: HelmRelease, release: StoredRelease): Promise<DriftEntry[]> {
    const out: DriftEntry[] = [];
    for (const o of await manifestObjects(this.#client, release.manifest ?? "", release.namespace)) {
      const subject = subjectOf(o);
      if (excluded(o)) {
        out.push({ type: "exclude", subject, object: o });
        continue;
      }
      const d = await this.#rm.diff(o, this.#options(obj));
      if (d.entry.action === Action.Created) out.push({ type: "create", subject, object: o });
      if (d.entry.action === Action.Configured && d.live && d.merged) {
        const patch = countPatch(comparable(d.live), comparable(d.merged));
        if (patch.additions + patch.changes + patch.removals > 0)
          out.push({ type: "update", subject, object: o, patch });
      }
    }
    return out;
  }

  async correct(obj: HelmRelease, entries: readonly DriftEntry[]): Promise<DriftCorrection> {
    const ordered = [...entries.filter((e) => e.type === "create"), ...entries.filter((e) => e.type === "update")];
    const result: DriftCorrection = { changes: [], errors: [] };
    for (const e of ordered) {
      try {
        const changeSet = await this.#rm.applyAll([e.object], this.#options(obj));
        for (const entry of changeSet.entries) result.changes.push(`${entry.subject} ${entry.action}`);
      } catch (err: unknown) {
        result.errors.push(`${e.subject}: ${errorMessage(err)}`);
      }
    }
    return result;
  }

  async inventory(release: StoredRelease, chartDir?: string): Promise<{ id: string; v: string }[]> {
    const objects = await manifestObjects(this.#client, release.manifest ?? "", release.namespace);
    if (chartDir) objects.push(...(await chartCrds(chartDir)));
    return inventoryOf(objects);
  }
}
