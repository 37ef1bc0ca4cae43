// Fixtures for the pure release tests: stored Helm release records (as Helm writes them) and HelmReleases
// whose history observed them.

import type { HelmRelease, HelmReleaseSnapshot } from "@sluice/api";
import type { StoredHook, StoredRelease } from "@sluice/helm-storage";
import { valuesDigest } from "../../src/internal/values/index.js";
import type { ReleaseRequest } from "../../src/release/request.js";
import { snapshotOf } from "../../src/release/snapshot.js";

/** What a fixture release differs in. */
export interface ReleaseFixture {
  version?: number;
  status?: string;
  chart?: { name: string; version: string };
  config?: Record<string, unknown>;
  hooks?: StoredHook[];
  name?: string;
  namespace?: string;
}

/** A stored release record with its JSON text, as the release storage decodes one. */
export function storedRelease(f: ReleaseFixture = {}): StoredRelease {
  const doc = {
    name: f.name ?? "app",
    info: {
      first_deployed: "2025-01-01T10:00:00Z",
      last_deployed: `2025-01-01T10:0${f.version ?? 1}:00Z`,
      description: "Install complete",
      status: f.status ?? "deployed",
    },
    chart: { metadata: { name: f.chart?.name ?? "podinfo", version: f.chart?.version ?? "1.0.0", apiVersion: "v2" } },
    ...(f.config ? { config: f.config } : {}),
    manifest: "---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: app\n",
    ...(f.hooks ? { hooks: f.hooks } : {}),
    version: f.version ?? 1,
    namespace: f.namespace ?? "apps",
  };
  const raw = JSON.stringify(doc);
  return { ...(JSON.parse(raw) as Omit<StoredRelease, "raw">), raw };
}

/** A test hook as Helm records it, with its last run in `phase` ("" for never run). */
export function testHook(name: string, phase: string): StoredHook {
  return {
    name,
    kind: "Pod",
    path: `podinfo/templates/tests/${name}.yaml`,
    manifest: "apiVersion: v1\nkind: Pod\n",
    events: ["test"],
    last_run: phase
      ? { started_at: "2025-01-01T10:05:00Z", completed_at: "2025-01-01T10:05:03Z", phase }
      : { phase: "" },
  };
}

/** A HelmRelease `apps/app` with `spec` and `status` merged over defaults (generation 1, observed). */
export function helmRelease(spec: Partial<HelmRelease["spec"]> = {}, status: HelmRelease["status"] = {}): HelmRelease {
  return {
    apiVersion: "helm.toolkit.fluxcd.io/v2",
    kind: "HelmRelease",
    metadata: { name: "app", namespace: "apps", generation: 1 },
    spec: { interval: "10m", chartRef: { kind: "HelmChart", name: "podinfo" }, ...spec },
    status: { observedGeneration: 1, ...status },
  };
}

/** `status.history` observing `releases` (newest first), optionally with tested hooks on the head. */
export function historyOf(releases: StoredRelease[], head: Partial<HelmReleaseSnapshot> = {}): HelmReleaseSnapshot[] {
  const snaps = releases.map((r) => snapshotOf(r));
  if (snaps[0]) snaps[0] = { ...snaps[0], ...head };
  return snaps;
}

/** The request of `obj` for chart `podinfo@<version>` and `values`. */
export function requestFor(
  obj: HelmRelease,
  values: Record<string, unknown> = {},
  chartVersion = "1.0.0",
): ReleaseRequest {
  return {
    object: obj,
    chart: { dir: "/nonexistent", name: "podinfo", version: chartVersion },
    values,
    configDigest: valuesDigest(values),
  };
}
