// What an image-reflector integration test runs against: Debian's docker-registry (basic auth) holding
// images the test pushes, the embedded API server with the chart's image CRDs, an event sink, and the
// controller (createImageReflectorController) with fast retries and a storage directory that outlives it.

import type { Condition } from "@sluice/api";
import type { UnstructuredObject } from "@sluice/runtime";
import {
  type ApiCluster,
  applyChartCrds,
  type EventSink,
  ensureNamespace,
  hasDockerRegistry,
  type OciRegistry,
  type PushedArtifact,
  pushArtifact,
  startApiCluster,
  startEventSink,
  startOciRegistry,
} from "@sluice/testkit";
import { pino } from "pino";
import { createImageReflectorController, type ImageReflectorController } from "../../src/index.js";

export const IMAGE_API = "image.toolkit.fluxcd.io/v1";
export const auth = { username: "ci", password: "pa55-word" };

/** A running environment. */
export interface ReflectorEnv {
  registry: OciRegistry;
  cluster: ApiCluster;
  sink: EventSink;
  namespace: string;
  storagePath: string;
  controller: ImageReflectorController;
  /** Stops the controller and starts a new one on the same storage (a process restart). */
  restart(): Promise<void>;
  stop(): Promise<void>;
}

/** Starts registry, API server, event sink and controller. Fails (in CI too) when docker-registry is missing. */
export async function startReflectorEnv(storagePath: string, namespace = "apps"): Promise<ReflectorEnv> {
  if (!hasDockerRegistry()) throw new Error("docker-registry is not installed (apt-get install docker-registry)");
  const registry = await startOciRegistry({ auth });
  const sink = await startEventSink();
  const cluster = await startApiCluster();
  await applyChartCrds(cluster.client, "image.toolkit.fluxcd.io_");
  await ensureNamespace(cluster.client, namespace);
  let abort = new AbortController();
  const make = () =>
    createImageReflectorController({
      kubeConfig: cluster.kubeConfig,
      storagePath,
      metricsAddr: "127.0.0.1:0",
      healthAddr: "127.0.0.1:0",
      eventsAddr: sink.url,
      concurrency: 2,
      retryDelay: { min: 200, max: 2_000 },
      requeueDependencyMs: 300,
      rateLimit: false,
      logger: pino({ level: "silent" }),
    });
  let controller = make();
  let running = controller.start(abort.signal).catch(() => undefined);
  const env: ReflectorEnv = {
    registry,
    cluster,
    sink,
    namespace,
    storagePath,
    controller,
    async restart() {
      abort.abort();
      await running;
      abort = new AbortController();
      controller = make();
      env.controller = controller;
      running = controller.start(abort.signal).catch(() => undefined);
    },
    async stop() {
      abort.abort();
      await running;
      await cluster.stop();
      await sink.stop();
      await registry.stop();
    },
  };
  return env;
}

/** Pushes a small image (OCI manifest, one layer) to `repository` under `tags`. */
export function pushImage(
  env: ReflectorEnv,
  repository: string,
  tags: string[],
  content = tags.join(),
): Promise<PushedArtifact> {
  return pushArtifact(env.registry, {
    repository,
    tags,
    config: {
      mediaType: "application/vnd.oci.image.config.v1+json",
      data: Buffer.from(`{"architecture":"amd64","os":"linux","c":"${content}"}`),
    },
    layers: [{ mediaType: "application/vnd.oci.image.layer.v1.tar+gzip", data: Buffer.from(`layer ${content}`) }],
    auth,
  });
}

/** Creates a `kubernetes.io/dockerconfigjson` Secret for the registry. */
export async function createPullSecret(env: ReflectorEnv, name: string, password = auth.password): Promise<void> {
  const json = JSON.stringify({
    auths: { [env.registry.host]: { auth: Buffer.from(`${auth.username}:${password}`).toString("base64") } },
  });
  await env.cluster.client.create({
    apiVersion: "v1",
    kind: "Secret",
    type: "kubernetes.io/dockerconfigjson",
    metadata: { namespace: env.namespace, name },
    data: { ".dockerconfigjson": Buffer.from(json).toString("base64") },
  } as UnstructuredObject);
}

/** Creates an image object of `kind`. */
export async function createImageObject(env: ReflectorEnv, kind: string, name: string, spec: Record<string, unknown>) {
  await env.cluster.client.create({
    apiVersion: IMAGE_API,
    kind,
    metadata: { namespace: env.namespace, name },
    spec,
  } as UnstructuredObject);
}

interface WithStatus {
  metadata: { generation?: number; annotations?: Record<string, string> };
  status?: { conditions?: Condition[]; observedGeneration?: number; [k: string]: unknown };
}

/** The condition of `type`, if any. */
export function conditionOf(obj: WithStatus, type: string): Condition | undefined {
  return obj.status?.conditions?.find((c) => c.type === type);
}

/** Polls `kind/name` until `check` holds; fails naming `what` with the last status. */
export async function waitForObject<T extends WithStatus>(
  env: ReflectorEnv,
  kind: string,
  name: string,
  check: (obj: T) => boolean,
  what: string,
  ms = 30_000,
): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const last = await env.cluster.client.getOptional<T & UnstructuredObject>({
      apiVersion: IMAGE_API,
      kind,
      namespace: env.namespace,
      name,
    });
    if (last && check(last)) return last;
    if (Date.now() > deadline) {
      throw new Error(`timed out waiting for ${kind} ${name}: ${what}; status: ${JSON.stringify(last?.status)}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Ready=True for the current generation. */
export function readyNow(obj: WithStatus): boolean {
  return conditionOf(obj, "Ready")?.status === "True" && obj.status?.observedGeneration === obj.metadata.generation;
}

/** Sets `reconcile.fluxcd.io/requestedAt` as `flux reconcile` does. */
export async function requestReconcile(env: ReflectorEnv, kind: string, name: string): Promise<string> {
  const at = new Date().toISOString();
  await env.cluster.client.patch(
    { apiVersion: IMAGE_API, kind, namespace: env.namespace, name },
    { metadata: { annotations: { "reconcile.fluxcd.io/requestedAt": at } } },
    { type: "application/merge-patch+json" },
  );
  return at;
}
