// Leader election between two replicas of kustomize-controller run from the image with the chart's args:
// exactly one holds the Lease and reconciles; when it is killed (SIGKILL, no release), the other takes the
// Lease only after the old one expired and reconciles; no applied object is written twice (the API server's
// audit log counts the writes).

import type { UnstructuredObject } from "@sluice/runtime";
import { createFixtureRepo, type GitHttpServer, startGitHttpServer, tempDir } from "@sluice/testkit";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import type { EmbeddedCluster } from "../support/embedded-cluster.js";
import { installChart, installedDeployments, NAMESPACE } from "./support/chart-install.js";
import { metricValue, type RunningPod, runDeployment, waitReady } from "./support/pod.js";

const image = inject("image");
const LEASE = ["get", "lease", "kustomize-controller-leader-election", "-n", NAMESPACE, "-o", "json"];
const TIMINGS = [
  "--leader-election-lease-duration=6s",
  "--leader-election-renew-deadline=4s",
  "--leader-election-retry-period=1s",
];

interface Lease {
  spec: { holderIdentity?: string; leaseDurationSeconds?: number; acquireTime?: string; renewTime?: string };
}

const configMap = (name: string) =>
  `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\n  namespace: default\ndata:\n  name: ${name}\n`;

describe.skipIf(image.skipReason !== undefined)("leader election with two replicas from the image", () => {
  let cluster: EmbeddedCluster;
  let git: GitHttpServer;
  let dir: { path: string; remove: () => Promise<void> };
  const replicas: RunningPod[] = [];
  let source: RunningPod;

  beforeAll(async () => {
    cluster = await installChart([
      "kustomizeController.replicas=2",
      "helmController.create=false",
      "notificationController.create=false",
    ]);
    dir = await tempDir("sluice-leader-");
    const repo = await createFixtureRepo(dir.path, "app", "main");
    await repo.commit({
      "apps/kustomization.yaml":
        "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources: [a.yaml, b.yaml, c.yaml]\n",
      "apps/a.yaml": configMap("a"),
      "apps/b.yaml": configMap("b"),
      "apps/c.yaml": configMap("c"),
    });
    await repo.push();
    git = await startGitHttpServer({ root: dir.path });
  });

  afterAll(async () => {
    for (const pod of [...replicas, source]) await pod?.container.stop(5_000).catch(() => undefined);
    await git?.stop();
    await cluster?.stop();
    await dir?.remove();
  });

  const lease = async (): Promise<Lease> => JSON.parse(await cluster.kubectlOk(LEASE)) as Lease;
  /** The replica a Lease holder identity (`<host name>_<uuid>`) belongs to. */
  const holderPod = (identity: string | undefined): RunningPod | undefined =>
    replicas.find((p) => identity?.startsWith(`${p.podName}_`));
  const reconciles = (pod: RunningPod) => metricValue(pod, "controller_runtime_reconcile_total");
  /** Writes (not dry-runs) to the applied ConfigMaps a, b and c, per object. */
  const writes = () => {
    const counts: Record<string, number> = {};
    for (const e of cluster.server.auditEvents()) {
      const m = /^\/api\/v1\/namespaces\/default\/configmaps\/([abc])(\?|$)/.exec(e.path);
      if (!m || e.path.includes("dryRun=All") || !["POST", "PUT", "PATCH", "DELETE"].includes(e.verb)) continue;
      counts[m[1]!] = (counts[m[1]!] ?? 0) + 1;
    }
    return counts;
  };

  it("elects exactly one replica, which alone reconciles", async () => {
    const deployments = await installedDeployments(cluster);
    const ks = deployments.find((d) => d.metadata.name === "kustomize-controller")!;
    expect((ks["spec"] as { replicas: number }).replicas).toBe(2);
    source = await runDeployment({
      image,
      server: cluster.server,
      deployment: deployments.find((d) => d.metadata.name === "source-controller")!,
    });
    for (let i = 0; i < 2; i++) {
      replicas.push(await runDeployment({ image, server: cluster.server, deployment: ks, extraArgs: TIMINGS }));
    }
    for (const pod of [source, ...replicas]) await waitReady(pod);
    await until(
      async () => holderPod((await lease()).spec.holderIdentity) !== undefined,
      "a replica to hold the Lease",
    );
    const leader = holderPod((await lease()).spec.holderIdentity)!;
    const follower = replicas.find((p) => p !== leader)!;

    await cluster.kubectlOk(
      ["apply", "-f", "-"],
      [
        "apiVersion: source.toolkit.fluxcd.io/v1",
        "kind: GitRepository",
        "metadata: { name: app, namespace: flux-system }",
        `spec: { interval: 1m, url: "${git.url("app.git")}", ref: { branch: main } }`,
        "---",
        "apiVersion: kustomize.toolkit.fluxcd.io/v1",
        "kind: Kustomization",
        "metadata: { name: app, namespace: flux-system }",
        "spec: { interval: 10m, path: ./apps, prune: true, sourceRef: { kind: GitRepository, name: app } }",
        "",
      ].join("\n"),
    );
    await until(async () => (await kustomizationReady(cluster)) !== undefined, "Kustomization app Ready");
    expect(holderPod((await lease()).spec.holderIdentity)).toBe(leader);
    expect(await reconciles(leader)).toBeGreaterThan(0);
    expect(await reconciles(follower)).toBe(0);
    expect(writes()).toEqual({ a: 1, b: 1, c: 1 });
  });

  it("hands over to the other replica after the killed leader's Lease expired, and applies nothing twice", async () => {
    const before = await lease();
    const leader = holderPod(before.spec.holderIdentity)!;
    const follower = replicas.find((p) => p !== leader)!;
    const killedAt = Date.now();
    leader.container.signal("SIGKILL");
    await leader.container.exited;
    await until(
      async () => holderPod((await lease()).spec.holderIdentity) === follower,
      "the other replica to take the Lease",
    );
    const after = await lease();
    // Never two leaders: the Lease changed hands only once the killed leader's last renewal had expired.
    const lastRenew = Date.parse(before.spec.renewTime!);
    const duration = (before.spec.leaseDurationSeconds ?? 0) * 1000;
    expect(duration).toBe(6000);
    const acquired = Date.parse(after.spec.acquireTime!);
    expect(acquired).toBeGreaterThanOrEqual(lastRenew + duration);
    console.log(
      `leader killed; the other replica took the Lease ${((acquired - killedAt) / 1000).toFixed(1)} s later (lease duration 6 s, retry period 1 s)`,
    );

    // The new leader reconciles (a requested reconcile is handled), and finds nothing to write.
    const at = new Date().toISOString();
    await cluster.kubectlOk([
      "annotate",
      "--overwrite",
      "kustomization",
      "app",
      "-n",
      NAMESPACE,
      `reconcile.fluxcd.io/requestedAt=${at}`,
    ]);
    await until(async () => {
      const ks = await kustomizationReady(cluster);
      return (ks?.["status"] as { lastHandledReconcileAt?: string } | undefined)?.lastHandledReconcileAt === at;
    }, "the new leader to handle the requested reconcile");
    expect(await reconciles(follower)).toBeGreaterThan(0);
    expect(writes()).toEqual({ a: 1, b: 1, c: 1 });
  });
});

async function kustomizationReady(cluster: EmbeddedCluster): Promise<UnstructuredObject | undefined> {
  const ks = JSON.parse(
    await cluster.kubectlOk(["get", "kustomization", "app", "-n", NAMESPACE, "-o", "json"]),
  ) as UnstructuredObject;
  const conditions = (ks["status"] as { conditions?: { type: string; status: string }[] } | undefined)?.conditions;
  return conditions?.some((c) => c.type === "Ready" && c.status === "True") ? ks : undefined;
}

async function until(check: () => Promise<boolean>, what: string): Promise<void> {
  const deadline = Date.now() + 300_000;
  while (!(await check().catch(() => false))) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}
