// The image's entrypoint runs every controller the chart deploys, each as its Deployment's Pod would run on a
// cluster (the chart's args, read-only root, non-root user, emptyDirs, in-cluster configuration from a mounted
// ServiceAccount token), against the embedded API server; each becomes ready, a GitRepository and a
// Kustomization reconcile through them, and SIGTERM stops each cleanly through tini.

import type { UnstructuredObject } from "@sluice/runtime";
import {
  createFixtureRepo,
  type EventSink,
  type GitHttpServer,
  startEventSink,
  startGitHttpServer,
  tempDir,
} from "@sluice/testkit";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import type { EmbeddedCluster } from "../support/embedded-cluster.js";
import { installChart, installedDeployments, NAMESPACE } from "./support/chart-install.js";
import { type RunningPod, runDeployment, tokenSource, waitReady } from "./support/pod.js";

const image = inject("image");

const APP = {
  "apps/kustomization.yaml":
    "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n  - config.yaml\n",
  "apps/config.yaml": [
    "apiVersion: v1",
    "kind: ConfigMap",
    "metadata:",
    "  name: greeting",
    "  namespace: default",
    "data:",
    "  message: hello from the image",
    "",
  ].join("\n"),
};

describe.skipIf(image.skipReason !== undefined)("the image's controllers, in-cluster", () => {
  let cluster: EmbeddedCluster;
  let deployments: UnstructuredObject[];
  let git: GitHttpServer;
  let dir: { path: string; remove: () => Promise<void> };
  let revision: string;
  let sink: EventSink;
  const pods: RunningPod[] = [];

  beforeAll(async () => {
    cluster = await installChart();
    deployments = await installedDeployments(cluster);
    dir = await tempDir("sluice-image-git-");
    const repo = await createFixtureRepo(dir.path, "app", "main");
    revision = await repo.commit(APP, "app");
    await repo.push();
    git = await startGitHttpServer({ root: dir.path });
    sink = await startEventSink();
  });

  afterAll(async () => {
    for (const pod of pods) await pod.container.stop(5_000).catch(() => undefined);
    await git?.stop();
    await sink?.stop();
    await cluster?.stop();
    await dir?.remove();
  });

  it("runs every Deployment of the chart from the image with in-cluster configuration, and each becomes ready", async () => {
    expect(deployments.map((d) => d.metadata.name)).toEqual([
      "helm-controller",
      "kustomize-controller",
      "notification-controller",
      "source-controller",
    ]);
    // notification-controller first: the others post their events to it.
    const ordered = [...deployments].sort(
      (a, b) =>
        Number(b.metadata.name === "notification-controller") - Number(a.metadata.name === "notification-controller"),
    );
    for (const deployment of ordered) {
      pods.push(await runDeployment({ image, server: cluster.server, deployment, eventsUrl: pods[0]?.eventsUrl }));
    }
    for (const pod of pods) await waitReady(pod);
    for (const pod of pods) {
      expect(pod.chartArgs[0]).toBe(pod.name);
      expect(pod.chartArgs).toContain("--enable-leader-election");
      // In-cluster configuration, not a kubeconfig: nothing in the container names one.
      expect(pod.chartArgs.some((a) => a.startsWith("--kubeconfig"))).toBe(false);
    }
    const source = pods.find((p) => p.name === "source-controller")!;
    expect(source.chartArgs).toContain("--storage-adv-addr=source-controller.flux-system.svc.cluster.local.");
    // Idle memory of each controller in the image (after start, before any object): a figure, not asserted.
    await new Promise((r) => setTimeout(r, 3_000));
    const rss = Object.fromEntries(pods.map((p) => [p.name, Math.round(p.container.rssKiB() / 1024)]));
    console.log(
      `idle RSS in the image (MiB): ${JSON.stringify(rss)}; ServiceAccount tokens: ${JSON.stringify(tokenSource)}`,
    );
  });

  it("reconciles a GitRepository and a Kustomization through the containers, and alerts on their events", async () => {
    const manifest = [
      "apiVersion: notification.toolkit.fluxcd.io/v1beta3",
      "kind: Provider",
      "metadata: { name: sink, namespace: flux-system }",
      `spec: { type: generic, address: "${sink.url}" }`,
      "---",
      "apiVersion: notification.toolkit.fluxcd.io/v1beta3",
      "kind: Alert",
      "metadata: { name: all, namespace: flux-system }",
      "spec: { providerRef: { name: sink }, eventSeverity: info, eventSources: [{ kind: Kustomization, name: '*' }, { kind: GitRepository, name: '*' }] }",
      "---",
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
    ].join("\n");
    await cluster.kubectlOk(["apply", "-f", "-"], manifest);
    const ready = async (kind: string) => {
      const obj = await getJson(cluster, [kind, "app", "-n", NAMESPACE]);
      const status = (obj["status"] ?? {}) as { conditions?: { type: string; status: string; message?: string }[] };
      return status.conditions?.find((c) => c.type === "Ready");
    };
    await until(
      async () => (await ready("gitrepository"))?.status === "True",
      "GitRepository app Ready",
      async () => JSON.stringify(await ready("gitrepository")),
    );
    await until(
      async () => (await ready("kustomization"))?.status === "True",
      "Kustomization app Ready",
      () => pods.map((p) => `${p.name}:\n${p.container.output().slice(-2000)}`).join("\n"),
    );
    const ks = await getJson(cluster, ["kustomization", "app", "-n", NAMESPACE]);
    expect((ks["status"] as { lastAppliedRevision?: string }).lastAppliedRevision).toBe(`main@sha1:${revision}`);
    const cm = await getJson(cluster, ["configmap", "greeting", "-n", "default"]);
    expect(cm["data"]).toEqual({ message: "hello from the image" });
    expect(cm.metadata.labels?.["kustomize.toolkit.fluxcd.io/name"]).toBe("app");
    // The controllers recorded Events through the API with their own credentials.
    const events = JSON.parse(await cluster.kubectlOk(["get", "events", "-n", NAMESPACE, "-o", "json"])) as {
      items: { reason?: string; source?: { component?: string }; reportingComponent?: string }[];
    };
    const reporters = new Set(events.items.map((e) => e.reportingComponent || e.source?.component));
    expect(reporters).toContain("source-controller");
    expect(reporters).toContain("kustomize-controller");
    // kustomize-controller posted its event to notification-controller (the chart's --events-addr), which
    // dispatched it to the Alert's provider.
    await until(
      async () =>
        sink.events.some(
          (e) => e.involvedObject.kind === "Kustomization" && e.reportingController === "kustomize-controller",
        ),
      "the Kustomization's event at the alert provider",
      async () => JSON.stringify(sink.events),
    );
  });

  it("stops every controller gracefully on SIGTERM (tini forwards it; exit code 0)", async () => {
    for (const pod of pods.splice(0)) {
      const code = await pod.container.stop(60_000);
      expect({ pod: pod.name, code }).toEqual({ pod: pod.name, code: 0 });
    }
  });
});

async function getJson(cluster: EmbeddedCluster, args: string[]): Promise<UnstructuredObject> {
  return JSON.parse(await cluster.kubectlOk(["get", ...args, "-o", "json"])) as UnstructuredObject;
}

/** Polls until `check` holds (5 minutes at most, then fails with `what` and the diagnosis). */
async function until(check: () => Promise<boolean>, what: string, diagnose: () => unknown): Promise<void> {
  const deadline = Date.now() + 300_000;
  while (!(await check().catch(() => false))) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}\n${String(await diagnose())}`);
    await new Promise((r) => setTimeout(r, 500));
  }
}
