// The desired-vs-live diff of a Kustomization: its source's current artifact built as kustomize-controller
// builds it (@sluice/kustomize), each object dry-run applied server-side (the runtime's ResourceManager, as
// kustomize-controller's field manager) and compared with the live object; objects the next reconcile would
// prune are listed. Secret and ConfigMap values are masked; last-applied annotations are dropped.

import { rm } from "node:fs/promises";
import { KUSTOMIZE_GROUP, type Kustomization, parseInventoryEntry } from "@sluice/api";
import { fetchArtifact } from "@sluice/runtime/artifact";
import type { KubeClient, UnstructuredObject } from "@sluice/runtime/kube";
import { Action, type ApplyOptions, ResourceManager } from "@sluice/runtime/ssa";
import { stringify } from "yaml";
import type { DiffAnswer, DiffEntry } from "../shared/api.js";
import { lineDiff } from "./line-diff.js";
import type { FluxObject } from "./summarize.js";
import { sourceOf } from "./summarize.js";
import type { WatchHub } from "./watch-hub.js";

/** The diff cannot be computed (no source, no artifact, a build failure): answered 409 with the reason. */
export class DiffUnavailableError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "DiffUnavailableError";
  }
}

const MASK = "*****";
const DATA_FIELDS = ["data", "stringData", "binaryData"] as const;

function isCore(obj: UnstructuredObject, kind: string): boolean {
  return obj.kind === kind && obj.apiVersion === "v1";
}

/**
 * Masks Secret and ConfigMap values: every value shows `*****`, and a changed one `***** (changed)` on the
 * new side only, so the line diff still shows that it changes.
 */
export function maskValues(before: UnstructuredObject | undefined, after: UnstructuredObject | undefined): void {
  const target = after ?? before;
  if (!target || !(isCore(target, "Secret") || isCore(target, "ConfigMap"))) return;
  for (const field of DATA_FIELDS) {
    const a = (before?.[field] ?? {}) as Record<string, unknown>;
    const b = (after?.[field] ?? {}) as Record<string, unknown>;
    if (before?.[field] !== undefined) {
      before[field] = Object.fromEntries(Object.keys(a).map((k) => [k, MASK]));
    }
    if (after?.[field] !== undefined) {
      after[field] = Object.fromEntries(
        Object.keys(b).map((k) => [k, k in a && a[k] !== b[k] ? `${MASK} (changed)` : MASK]),
      );
    }
  }
}

/** An object as YAML without server-set fields, status and the last-applied annotation (it can hold data). */
function yamlOf(obj: UnstructuredObject): string {
  const copy = structuredClone(obj);
  for (const key of ["resourceVersion", "generation", "uid", "creationTimestamp", "managedFields"] as const) {
    delete copy.metadata[key];
  }
  if (copy.metadata.annotations) {
    delete copy.metadata.annotations["kubectl.kubernetes.io/last-applied-configuration"];
    if (Object.keys(copy.metadata.annotations).length === 0) delete copy.metadata.annotations;
  }
  delete copy["status"];
  return stringify(copy, { lineWidth: 0, sortMapEntries: true }).trimEnd();
}

function subject(obj: { kind: string; namespace?: string | undefined; name: string }): string {
  return obj.namespace ? `${obj.kind}/${obj.namespace}/${obj.name}` : `${obj.kind}/${obj.name}`;
}

/**
 * Dry-run applies each object with `manager` and compares it with the live one: created, changed (a line
 * diff), unchanged, or the API's error. Secret and ConfigMap values are masked. `ids` are the inventory ids.
 */
export async function diffObjects(
  manager: ResourceManager,
  objects: readonly UnstructuredObject[],
  options: ApplyOptions,
): Promise<{ entries: DiffEntry[]; ids: Set<string> }> {
  const entries: DiffEntry[] = [];
  const ids = new Set<string>();
  for (const obj of objects) {
    const id = subject({ kind: obj.kind, namespace: obj.metadata.namespace, name: obj.metadata.name ?? "" });
    try {
      const result = await manager.diff(obj, options);
      ids.add(result.entry.id);
      if (result.entry.action === Action.Created) {
        const copy = structuredClone(obj);
        maskValues(undefined, copy);
        entries.push({
          id,
          action: "created",
          lines: yamlOf(copy)
            .split("\n")
            .map((l) => `+ ${l}`),
          message: "",
        });
      } else if (result.entry.action === Action.Configured && result.live && result.merged) {
        maskValues(result.live, result.merged);
        entries.push({
          id,
          action: "changed",
          lines: lineDiff(yamlOf(result.live), yamlOf(result.merged)),
          message: "",
        });
      } else entries.push({ id, action: "unchanged", lines: [], message: "" });
    } catch (err: unknown) {
      entries.push({ id, action: "error", lines: [], message: err instanceof Error ? err.message : String(err) });
    }
  }
  return { entries, ids };
}

/**
 * What the next reconcile of `ks` would change, computed with `client` (the logged-in user's, or the UI's
 * own): dry-run applies need `patch` permission on the objects.
 */
export async function desiredDiff(client: KubeClient, hub: WatchHub, ks: FluxObject): Promise<DiffAnswer> {
  const kustomization = ks as unknown as Kustomization;
  const name = ks.metadata.name ?? "";
  const namespace = ks.metadata.namespace ?? "";
  const src = sourceOf(ks);
  const [srcKind = "", srcNs = "", srcName = ""] = src.split("/");
  const source = src ? hub.object(srcKind, srcNs, srcName) : undefined;
  if (!source)
    throw new DiffUnavailableError(`Kustomization ${namespace}/${name}: source ${src || "(none)"} not found`);
  const artifact = source.status?.["artifact"] as { url?: string; digest?: string; revision?: string } | undefined;
  if (!artifact?.url || !artifact.digest) {
    throw new DiffUnavailableError(`Kustomization ${namespace}/${name}: source ${src} has no artifact yet`);
  }
  const fetched = await fetchArtifact(artifact.url, artifact.digest, {
    hostOverride: process.env["SOURCE_CONTROLLER_LOCALHOST"],
  }).catch((err: unknown) => {
    throw new DiffUnavailableError(
      `fetching the artifact of ${src}: ${err instanceof Error ? err.message : String(err)}`,
    );
  });
  try {
    // Loaded on use: the build pipeline (kustomize, SOPS, substitution) is heavy and most pages never need it.
    const { postBuildVariables, renderKustomization } = await import("@sluice/kustomize");
    const spec = kustomization.spec;
    let objects: UnstructuredObject[];
    try {
      const built = await renderKustomization({
        root: fetched.dir,
        inPlace: true,
        symlinksChecked: true,
        path: spec.path ?? "./",
        spec,
        owner: { name, namespace },
        variables: await postBuildVariables(client, kustomization),
        substitute: { always: spec.postBuild?.substituteStrategy === "Always" },
        commonMetadata: spec.commonMetadata,
      });
      objects = built.objects as unknown as UnstructuredObject[];
    } catch (err: unknown) {
      throw new DiffUnavailableError(
        `build of ${namespace}/${name} failed: ${err instanceof Error ? err.message : String(err)}`,
      );
    }
    const manager = new ResourceManager({ client, owner: { field: "kustomize-controller", group: KUSTOMIZE_GROUP } });
    const { entries, ids: built } = await diffObjects(
      manager,
      objects,
      spec.ignore ? { driftIgnoreRules: spec.ignore } : {},
    );
    if (spec.prune) {
      for (const entry of (ks.status?.["inventory"] as { entries?: Array<{ id: string; v: string }> } | undefined)
        ?.entries ?? []) {
        if (built.has(entry.id)) continue;
        try {
          const o = parseInventoryEntry(entry);
          entries.push({ id: subject(o), action: "deleted", lines: [], message: "pruned by the next reconcile" });
        } catch {
          // A corrupt inventory entry is the controller's to report.
        }
      }
    }
    return {
      revision: artifact.revision ?? "",
      changes: entries.filter((e) => e.action !== "unchanged").length,
      entries,
    };
  } finally {
    await rm(fetched.dir, { recursive: true, force: true });
  }
}
