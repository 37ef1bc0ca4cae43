// Everything a GitRepository integration test runs against: the embedded API server with the chart's source
// CRDs, a namespace, an event sink standing in for notification-controller, and the source-controller
// (createSourceController) on port-0 addresses with fast retries; plus helpers to drive and observe objects.

import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { GitRepository } from "@sluice/api";
import type { UnstructuredObject } from "@sluice/runtime";
import {
  type ApiCluster,
  applyChartCrds,
  type EventSink,
  ensureNamespace,
  startApiCluster,
  startEventSink,
} from "@sluice/testkit";
import { pino } from "pino";
import { t as listTar } from "tar";
import { createSourceController, type SourceController, type SourceControllerOptions } from "../../src/index.js";
import { sourceKind } from "./source-objects.js";

export { conditionOf, readyNow as isReadyNow, SOURCE_API } from "./source-objects.js";

/** A running test environment. */
export interface ControllerEnv {
  cluster: ApiCluster;
  sink: EventSink;
  controller: SourceController;
  storagePath: string;
  namespace: string;
  /** The advertised artifact address. */
  advertisedAddress: string;
  stop(): Promise<void>;
}

/** Starts the environment; artifacts go to `<workDir>/storage`. */
export async function startControllerEnv(
  workDir: string,
  namespace: string,
  overrides: Partial<SourceControllerOptions> = {},
): Promise<ControllerEnv> {
  const storagePath = join(workDir, "storage");
  const sink = await startEventSink();
  const cluster = await startApiCluster();
  await applyChartCrds(cluster.client, "source.toolkit.fluxcd.io_");
  await ensureNamespace(cluster.client, namespace);
  const controller = createSourceController({
    kubeConfig: cluster.kubeConfig,
    storagePath,
    storageAddr: "127.0.0.1:0",
    metricsAddr: "127.0.0.1:0",
    healthAddr: "127.0.0.1:0",
    eventsAddr: sink.url,
    concurrency: 2,
    retryDelay: { min: 200, max: 2_000 },
    requeueDependencyMs: 300,
    rateLimit: false,
    logger: pino({ level: "silent" }),
    ...overrides,
  });
  const abort = new AbortController();
  const running = controller.start(abort.signal);
  running.catch(() => undefined);
  const { advertisedAddress } = await controller.ready();
  return {
    cluster,
    sink,
    controller,
    storagePath,
    namespace,
    advertisedAddress,
    stop: async () => {
      abort.abort();
      await running.catch(() => undefined);
      await cluster.stop();
      await sink.stop();
    },
  };
}

/** GitRepository helpers of the environment (see {@link sourceObjects}). */
const gitRepositories = (env: ControllerEnv) => sourceKind<GitRepository>(() => env, "GitRepository");

/** The reference of GitRepository `name` in the environment's namespace. */
export const gitRepositoryRef = (env: ControllerEnv, name: string) => gitRepositories(env).ref(name);

/** Creates a GitRepository (interval 10m unless given). */
export const createGitRepository = (env: ControllerEnv, name: string, spec: Record<string, unknown>) =>
  gitRepositories(env).create(name, spec);

/** Creates a Secret with `data` base64-encoded. */
export async function createSecret(env: ControllerEnv, name: string, data: Record<string, string>) {
  const encoded: Record<string, string> = {};
  for (const [k, v] of Object.entries(data)) encoded[k] = Buffer.from(v).toString("base64");
  await env.cluster.client.create({
    apiVersion: "v1",
    kind: "Secret",
    metadata: { namespace: env.namespace, name },
    data: encoded,
  });
}

/** Polls GitRepository `name` until `check` holds; fails naming `what` and showing the last status. */
export const waitForGitRepository = (
  env: ControllerEnv,
  name: string,
  check: (obj: GitRepository) => boolean,
  what: string,
  ms = 30_000,
) => gitRepositories(env).waitFor(name, check, what, ms);

/** Sets the `reconcile.fluxcd.io/requestedAt` annotation (as `flux reconcile` does); returns its value. */
export const requestReconcile = (env: ControllerEnv, name: string) => gitRepositories(env).requestReconcile(name);

/** Kubernetes Events about GitRepository `name`. */
export async function kubeEventsFor(env: ControllerEnv, name: string): Promise<UnstructuredObject[]> {
  const list = await env.cluster.client.list<UnstructuredObject>("v1", "Event", { namespace: env.namespace });
  return list.items.filter((e) => (e["involvedObject"] as { name?: string } | undefined)?.name === name);
}

/** Downloads an artifact URL (expects 200). */
export async function downloadArtifact(url: string): Promise<Buffer> {
  const res = await fetch(url);
  if (res.status !== 200) throw new Error(`GET ${url}: ${res.status}`);
  return Buffer.from(await res.arrayBuffer());
}

/** The sorted entry paths of a tar.gz (written to `scratchDir` to be listed). */
export async function tarEntries(data: Buffer, scratchDir: string): Promise<string[]> {
  const file = join(scratchDir, `archive-${Date.now()}-${Math.random().toString(36).slice(2)}.tar.gz`);
  await writeFile(file, data);
  const entries: string[] = [];
  await listTar({ file, onReadEntry: (e) => entries.push(e.path) });
  return entries.sort();
}
