// Everything a Kustomization integration test runs against: the embedded API server (workload rollout
// simulated) with the chart's source and kustomize CRDs, a real Git repository served by git http-backend,
// the real source-controller producing artifacts, the kustomize-controller under test, and an event sink.

import type { Condition, Kustomization } from "@sluice/api";
import type { KubeClient, UnstructuredObject } from "@sluice/runtime";
import { createSourceController, type SourceController } from "@sluice/source-controller";
import {
  type ApiCluster,
  applyChartCrds,
  createFixtureRepo,
  type EventSink,
  ensureNamespace,
  type FixtureRepo,
  type GitHttpServer,
  startApiCluster,
  startEventSink,
  startGitHttpServer,
  tempDir,
  waitForObject as waitForApiObject,
} from "@sluice/testkit";
import { pino } from "pino";
import {
  createKustomizeController,
  type KustomizeController,
  type KustomizeControllerOptions,
} from "../../src/index.js";

export const SOURCE_API = "source.toolkit.fluxcd.io/v1";
export const KUSTOMIZE_API = "kustomize.toolkit.fluxcd.io/v1";

/** A running test environment. */
export interface KustomizeEnv {
  cluster: ApiCluster;
  client: KubeClient;
  repo: FixtureRepo;
  git: GitHttpServer;
  sink: EventSink;
  source: SourceController;
  kustomize: KustomizeController;
  namespace: string;
  stop(): Promise<void>;
}

/** Starts the environment with one Git repository `app` (empty until the test commits). */
export async function startKustomizeEnv(
  namespace: string,
  overrides: Partial<KustomizeControllerOptions> = {},
): Promise<KustomizeEnv> {
  const dir = await tempDir("kc-test-");
  const repo = await createFixtureRepo(dir.path, "app");
  const git = await startGitHttpServer({ root: dir.path });
  const sink = await startEventSink();
  const cluster = await startApiCluster({ simulateWorkloads: true, workloadDelayMs: 300 });
  await applyChartCrds(cluster.client, "source.toolkit.fluxcd.io_");
  await applyChartCrds(cluster.client, "kustomize.toolkit.fluxcd.io_");
  await ensureNamespace(cluster.client, namespace);
  const silent = pino({ level: "silent" });
  const source = createSourceController({
    kubeConfig: cluster.kubeConfig,
    storagePath: `${dir.path}/storage`,
    storageAddr: "127.0.0.1:0",
    metricsAddr: "0",
    healthAddr: "0",
    concurrency: 2,
    retryDelay: { min: 200, max: 2_000 },
    rateLimit: false,
    logger: silent,
  });
  const kustomize = createKustomizeController({
    kubeConfig: cluster.kubeConfig,
    metricsAddr: "0",
    healthAddr: "0",
    eventsAddr: sink.url,
    concurrency: 4,
    retryDelay: { min: 200, max: 2_000 },
    dependencyRequeueMs: 500,
    gracefulShutdownTimeout: 10_000,
    rateLimit: false,
    logger: silent,
    ...overrides,
  });
  const abort = new AbortController();
  const runningSource = source.start(abort.signal);
  runningSource.catch(() => undefined);
  await source.ready();
  const runningKustomize = kustomize.start(abort.signal);
  runningKustomize.catch(() => undefined);
  return {
    cluster,
    client: cluster.client,
    repo,
    git,
    sink,
    source,
    kustomize,
    namespace,
    stop: async () => {
      abort.abort();
      await Promise.all([runningSource.catch(() => undefined), runningKustomize.catch(() => undefined)]);
      await cluster.stop();
      await git.stop();
      await sink.stop();
      await dir.remove();
    },
  };
}

/**
 * Commits `files` to the repository (after deleting `remove`), pushes, asks the GitRepository (if created)
 * to fetch now, and returns the commit hash.
 */
export async function commitAndPush(
  env: KustomizeEnv,
  files: Record<string, string>,
  message = "update",
  remove: string[] = [],
) {
  if (remove.length > 0) await env.repo.git(["rm", "-q", ...remove]);
  const sha = await env.repo.commit(files, message);
  await env.repo.push();
  const exists = await env.client.getOptional({
    apiVersion: SOURCE_API,
    kind: "GitRepository",
    namespace: env.namespace,
    name: "app",
  });
  if (exists) await reconcileSource(env);
  return sha;
}

/** Creates GitRepository `name` for the `app` repository on `master`. */
export async function createGitRepository(env: KustomizeEnv, name = "app", interval = "10m") {
  await env.client.create({
    apiVersion: SOURCE_API,
    kind: "GitRepository",
    metadata: { namespace: env.namespace, name },
    spec: { url: env.git.url("app.git"), interval, ref: { branch: "master" } },
  } as UnstructuredObject);
}

/** Asks the GitRepository to fetch again now (as `flux reconcile source git`). */
export async function reconcileSource(env: KustomizeEnv, name = "app") {
  await env.client.patch(
    { apiVersion: SOURCE_API, kind: "GitRepository", namespace: env.namespace, name },
    { metadata: { annotations: { "reconcile.fluxcd.io/requestedAt": new Date().toISOString() } } },
    { type: "application/merge-patch+json" },
  );
}

/** Creates Kustomization `name` (sourceRef GitRepository `app`, interval 10m, prune true unless given). */
export async function createKustomization(env: KustomizeEnv, name: string, spec: Record<string, unknown>) {
  await env.client.create({
    apiVersion: KUSTOMIZE_API,
    kind: "Kustomization",
    metadata: { namespace: env.namespace, name },
    spec: { interval: "10m", prune: true, sourceRef: { kind: "GitRepository", name: "app" }, ...spec },
  } as UnstructuredObject);
}

/** Merge-patches Kustomization `name`'s spec. */
export async function patchKustomization(env: KustomizeEnv, name: string, spec: Record<string, unknown>) {
  await env.client.patch(
    { apiVersion: KUSTOMIZE_API, kind: "Kustomization", namespace: env.namespace, name },
    { spec },
    { type: "application/merge-patch+json" },
  );
}

/** Requests a reconcile of Kustomization `name`; returns the annotation value. */
export async function requestReconcile(env: KustomizeEnv, name: string): Promise<string> {
  const at = new Date().toISOString();
  await env.client.patch(
    { apiVersion: KUSTOMIZE_API, kind: "Kustomization", namespace: env.namespace, name },
    { metadata: { annotations: { "reconcile.fluxcd.io/requestedAt": at } } },
    { type: "application/merge-patch+json" },
  );
  return at;
}

/** The condition `type` of an object with conditions. */
export function conditionOf(obj: { status?: { conditions?: Condition[] } | undefined }, type: string) {
  return obj.status?.conditions?.find((c) => c.type === type);
}

/** Reads Kustomization `name`. */
export function getKustomization(env: KustomizeEnv, name: string): Promise<Kustomization | undefined> {
  return env.client.getOptional<Kustomization>({
    apiVersion: KUSTOMIZE_API,
    kind: "Kustomization",
    namespace: env.namespace,
    name,
  });
}

/** Polls Kustomization `name` until `check` holds; fails naming `what` and showing the last status. */
export function waitForKustomization(
  env: KustomizeEnv,
  name: string,
  check: (obj: Kustomization) => boolean,
  what: string,
  ms = 60_000,
): Promise<Kustomization> {
  const ref = { apiVersion: KUSTOMIZE_API, kind: "Kustomization", namespace: env.namespace, name };
  return waitForApiObject<Kustomization>(env.client, ref, check, what, ms);
}

/** Ready=True at revision `rev` (commit sha suffix) for the current generation. */
export function appliedRevision(sha: string) {
  return (k: Kustomization) =>
    conditionOf(k, "Ready")?.status === "True" &&
    k.status?.observedGeneration === k.metadata.generation &&
    (k.status?.lastAppliedRevision ?? "").endsWith(sha);
}

/** Polls until `check(obj-or-undefined)` holds for an object reference. */
export async function waitForObject(
  env: KustomizeEnv,
  ref: { apiVersion: string; kind: string; namespace?: string; name: string },
  check: (obj: UnstructuredObject | undefined) => boolean,
  what: string,
  ms = 60_000,
): Promise<UnstructuredObject | undefined> {
  const deadline = Date.now() + ms;
  for (;;) {
    const obj = await env.client.getOptional<UnstructuredObject>(ref);
    if (check(obj)) return obj;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${ref.kind}/${ref.name}: ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
