// The notification-controller against the embedded API server with the chart's CRDs, its logs kept in
// memory (to prove no secret reaches them), and helpers to create Providers, Alerts, Receivers and Secrets.

import { Writable } from "node:stream";
import type { Condition, Receiver } from "@sluice/api";
import { createLogger, type KubeClient, type UnstructuredObject } from "@sluice/runtime";
import { type ApiCluster, applyChartCrds, ensureNamespace, eventually, startApiCluster } from "@sluice/testkit";
import {
  createNotificationController,
  type NotificationController,
  type NotificationControllerOptions,
} from "../../src/index.js";

export const NOTIFICATION_API = "notification.toolkit.fluxcd.io";

/** A running notification-controller test environment. */
export interface NotificationEnv {
  cluster: ApiCluster;
  client: KubeClient;
  controller: NotificationController;
  eventsUrl: string;
  receiverUrl: string;
  logs: string[];
  namespace: string;
  stop(): Promise<void>;
}

/** Starts the API server, the notification CRDs (plus `extraCrds` prefixes) and the controller. */
export async function startNotificationEnv(
  namespace: string,
  overrides: Partial<NotificationControllerOptions> = {},
  extraCrds: string[] = [],
  cluster?: ApiCluster,
): Promise<NotificationEnv> {
  const api = cluster ?? (await startApiCluster());
  await applyChartCrds(api.client, "notification.toolkit.fluxcd.io_");
  for (const prefix of extraCrds) await applyChartCrds(api.client, prefix);
  await ensureNamespace(api.client, namespace);
  const logs: string[] = [];
  const controller = createNotificationController({
    kubeConfig: api.kubeConfig,
    eventsAddr: "127.0.0.1:0",
    receiverAddr: "127.0.0.1:0",
    metricsAddr: "0",
    healthAddr: "0",
    rateLimit: false,
    retryDelay: { min: 200, max: 2_000 },
    logger: await createLogger({
      level: "debug",
      destination: new Writable({
        write(chunk: Buffer, _e, done) {
          logs.push(chunk.toString("utf8"));
          done();
        },
      }),
    }),
    ...overrides,
  });
  const abort = new AbortController();
  const running = controller.start(abort.signal);
  running.catch(() => undefined);
  const { events, receiver } = await controller.ready();
  return {
    cluster: api,
    client: api.client,
    controller,
    eventsUrl: `http://127.0.0.1:${events.port}/`,
    receiverUrl: `http://127.0.0.1:${receiver.port}`,
    logs,
    namespace,
    stop: async () => {
      abort.abort();
      await running.catch(() => undefined);
      if (!cluster) await api.stop();
    },
  };
}

/** Creates a Secret with string data. */
export async function createSecret(
  client: KubeClient,
  namespace: string,
  name: string,
  data: Record<string, string>,
  labels?: Record<string, string>,
) {
  await client.create({
    apiVersion: "v1",
    kind: "Secret",
    metadata: { namespace, name, ...(labels ? { labels } : {}) },
    data: Object.fromEntries(Object.entries(data).map(([k, v]) => [k, Buffer.from(v).toString("base64")])),
  } as UnstructuredObject);
}

/** Creates a Provider. */
export async function createProvider(
  client: KubeClient,
  namespace: string,
  name: string,
  spec: Record<string, unknown>,
) {
  await client.create({
    apiVersion: `${NOTIFICATION_API}/v1beta3`,
    kind: "Provider",
    metadata: { namespace, name },
    spec,
  } as UnstructuredObject);
}

/** Creates an Alert. */
export async function createAlert(client: KubeClient, namespace: string, name: string, spec: Record<string, unknown>) {
  await client.create({
    apiVersion: `${NOTIFICATION_API}/v1beta3`,
    kind: "Alert",
    metadata: { namespace, name },
    spec,
  } as UnstructuredObject);
}

/** Creates a Receiver. */
export async function createReceiver(
  client: KubeClient,
  namespace: string,
  name: string,
  spec: Record<string, unknown>,
) {
  await client.create({
    apiVersion: `${NOTIFICATION_API}/v1`,
    kind: "Receiver",
    metadata: { namespace, name },
    spec,
  } as UnstructuredObject);
}

/** Polls until the probe returns a value (testkit's shared helper, re-exported for the suites here). */
export { eventually };

/** Waits until the controller's cache has Alert/Provider `name` (events are matched from the cache). */
export async function waitForCached(env: NotificationEnv, kind: "Alert" | "Provider", name: string): Promise<void> {
  const informer = env.controller.manager.cache.informerFor(`${NOTIFICATION_API}/v1beta3`, kind);
  await eventually(
    `${kind} ${name} in the cache`,
    async () => informer.get({ namespace: env.namespace, name }) !== undefined,
  );
}

/** Waits until Receiver `name` is Ready and returns it. */
export async function waitForReceiverReady(env: NotificationEnv, name: string): Promise<Receiver> {
  return eventually(`Receiver ${name} Ready`, async () => {
    const r = await env.client.get<Receiver>({
      apiVersion: `${NOTIFICATION_API}/v1`,
      kind: "Receiver",
      namespace: env.namespace,
      name,
    });
    const ready = r.status?.conditions?.find((c: Condition) => c.type === "Ready");
    const cached = env.controller.receivers.informer.get({ namespace: env.namespace, name });
    return ready?.status === "True" && cached?.status?.webhookPath ? r : undefined;
  });
}

/** Kubernetes Events of an object. */
export async function kubeEventsOf(
  client: KubeClient,
  namespace: string,
  name: string,
): Promise<Array<{ reason: string; message: string; type: string }>> {
  const list = await client.list<
    UnstructuredObject & { reason: string; message: string; type: string; involvedObject: { name: string } }
  >("v1", "Event", { namespace });
  return list.items
    .filter((e) => e.involvedObject.name === name)
    .map((e) => ({ reason: e.reason, message: e.message, type: e.type }));
}
