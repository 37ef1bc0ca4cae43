// createNotificationController: the notification-controller as a unit that runs in-process (`sluice up`,
// tests) or as its own process (main.ts): a Manager with the Receiver, Provider and Alert controllers, the
// event server (`--events-addr`) turning events into notifications, and the webhook receiver
// (`--receiverAddr`) turning webhook calls into reconcile requests.

import type { AddressInfo } from "node:net";
import {
  ALERT_API_VERSION,
  type Alert,
  NOTIFICATION_GROUP,
  type Provider,
  RECEIVER_API_VERSION,
  type Receiver,
} from "@sluice/api";
import type { Controller } from "@sluice/runtime/controller";
import { EventRecorder, type InvolvedObject } from "@sluice/runtime/events";
import type { UnstructuredObject } from "@sluice/runtime/kube";
import {
  type ControllerManagerOptions,
  controllerQueueSettings,
  createControllerManager,
  type Manager,
} from "@sluice/runtime/manager";
import { AlertReconciler } from "./alert/reconciler.js";
import { DeliveryMetrics } from "./event/delivery-metrics.js";
import { Dispatcher } from "./event/dispatcher.js";
import { HttpMetrics } from "./http/http-metrics.js";
import { httpUrl } from "./http/listen.js";
import { closeDispatchers } from "./notifier/index.js";
import { ProviderReconciler } from "./provider/reconciler.js";
import { GoogleIdTokenVerifier } from "./receiver/google-id-token.js";
import { NOTIFICATION_CONTROLLER_NAME, ReceiverReconciler } from "./receiver/reconciler.js";
import { readSecretData } from "./secrets.js";
import { EventServer } from "./server/event-server.js";
import { ReceiverServer } from "./server/receiver-server.js";

/** Default `--concurrent`. */
export const DEFAULT_CONCURRENCY = 4;
/** Default name of the leader election Lease. */
export const DEFAULT_LEADER_ELECTION_ID = "notification-controller-leader-election";
/** Default `--events-addr` (where the event server listens). */
export const DEFAULT_EVENTS_ADDR = ":9090";
/** Default `--receiverAddr`. */
export const DEFAULT_RECEIVER_ADDR = ":9292";
/** Default `--rate-limit-interval` (ms). */
export const DEFAULT_RATE_LIMIT_INTERVAL_MS = 5 * 60_000;
/** Receiver informer index by `status.webhookPath`. */
export const WEBHOOK_PATH_INDEX = ".metadata.webhookPath";
/** Receiver informer index by `namespace/secretRef.name`. */
export const SECRET_REF_INDEX = ".metadata.secretRef";
/** Providers by `namespace/name` (the event server's lookup without a clone). */
const PROVIDER_KEY_INDEX = ".metadata.key";
/** Label selecting the Secrets whose changes re-reconcile their Receivers (`--watch-configs-label-selector`). */
export const WATCH_CONFIGS_SELECTOR = "reconcile.fluxcd.io/watch=Enabled";

/**
 * Options of {@link createNotificationController}: the runtime's controller options (kubeconfig or client, the
 * shared flags) and notification-controller's own; each names the Flux flag it mirrors.
 */
export interface NotificationControllerOptions extends ControllerManagerOptions {
  /** `--events-addr`: where the event server listens (default `:9090`). */
  eventsAddr?: string | undefined;
  /** `--receiverAddr`: where the webhook receiver listens (default `:9292`). */
  receiverAddr?: string | undefined;
  /** `--rate-limit-interval` in ms (default 5 min): identical events within it are dropped (429). */
  rateLimitIntervalMs?: number | undefined;
  /** `--no-cross-namespace-refs`. */
  noCrossNamespaceRefs?: boolean | undefined;
  /** Where `gcr` Receivers get Google's ID token keys (tests point it at a stand-in). */
  googleCertsUrl?: string | undefined;
}

/** Where the servers listen once bound. */
export interface NotificationAddresses {
  events: AddressInfo;
  receiver: AddressInfo;
}

/** A running (or startable) notification-controller. */
export interface NotificationController {
  readonly manager: Manager;
  /** The Receiver controller (its informer and queue). */
  readonly receivers: Controller<Receiver>;
  /** The event dispatcher (deliveries in flight). */
  readonly dispatcher: Dispatcher;
  /** Binds both servers, then runs until `signal` aborts (resolves after draining) or the manager fails (rejects). */
  start(signal: AbortSignal): Promise<void>;
  /** Stops a controller started with {@link start} and waits until it has stopped. */
  stop(): Promise<void>;
  /** Resolves with the servers' bound addresses once both listen. */
  ready(): Promise<NotificationAddresses>;
}

/**
 * Creates the notification-controller: a {@link Manager} (metrics, probes, leader election) running the
 * Receiver, Provider and Alert controllers with `--concurrent` workers, plus the event server and the
 * webhook receiver. The servers answer in every replica (as Flux's); reconcilers run on the leader only.
 */
export function createNotificationController(options: NotificationControllerOptions): NotificationController {
  const { manager, logger } = createControllerManager(
    "createNotificationController",
    options,
    DEFAULT_LEADER_ELECTION_ID,
  );
  const client = manager.client;
  const events = new EventRecorder({
    reportingController: NOTIFICATION_CONTROLLER_NAME,
    group: NOTIFICATION_GROUP,
    client,
    logger,
  });
  const common = controllerQueueSettings(options, DEFAULT_CONCURRENCY);

  const receivers = manager.controller<Receiver>({
    name: "receiver",
    for: { apiVersion: RECEIVER_API_VERSION, kind: "Receiver" },
    reconciler: new ReceiverReconciler({ client, events }),
    ...common,
  });
  receivers.informer.addIndex(WEBHOOK_PATH_INDEX, (r) => (r.status?.webhookPath ? [r.status.webhookPath] : []));
  receivers.informer.addIndex(SECRET_REF_INDEX, (r) =>
    r.spec.secretRef ? [`${r.metadata.namespace}/${r.spec.secretRef.name}`] : [],
  );
  receivers.watches<UnstructuredObject>(
    "v1",
    "Secret",
    (secret, primary) =>
      primary
        .byIndex(SECRET_REF_INDEX, `${secret.metadata.namespace}/${secret.metadata.name}`)
        .map((r) => `${r.metadata.namespace}/${r.metadata.name}`),
    { labelSelector: WATCH_CONFIGS_SELECTOR },
  );
  const providers = manager.controller<Provider>({
    name: "provider",
    for: { apiVersion: ALERT_API_VERSION, kind: "Provider" },
    reconciler: new ProviderReconciler({ client, events }),
    ...common,
  });
  // Every event reads its Providers: through an index the frozen cached copy is returned, no clone per event.
  providers.informer.addIndex(PROVIDER_KEY_INDEX, (p) => [`${p.metadata.namespace}/${p.metadata.name}`]);
  const alerts = manager.controller<Alert>({
    name: "alert",
    for: { apiVersion: ALERT_API_VERSION, kind: "Alert" },
    reconciler: new AlertReconciler({ client, events }),
    ...common,
  });

  const registry = manager.metrics.registry;
  const deliveryMetrics = new DeliveryMetrics(registry);
  const warn = (obj: Alert, reason: string, message: string, annotations?: Record<string, string>) => {
    void events.event(obj, { severity: "error", reason, message, ...(annotations ? { metadata: annotations } : {}) });
  };
  const dispatcher = new Dispatcher({
    getProvider: (namespace, name) => providers.informer.byIndex(PROVIDER_KEY_INDEX, `${namespace}/${name}`)[0],
    readSecret: (namespace, name) => readSecretData(client, namespace, name),
    warn,
    noCrossNamespaceRefs: options.noCrossNamespaceRefs,
    metrics: deliveryMetrics,
    logger: logger.child({ component: "event-server" }),
  });
  const eventServer = new EventServer({
    listAlerts: () => alerts.informer.list(),
    objectLabels: async (ref: InvolvedObject) => {
      if (!ref.apiVersion) return undefined;
      const obj = await client
        .getOptional({ apiVersion: ref.apiVersion, kind: ref.kind, namespace: ref.namespace ?? "", name: ref.name })
        .catch(() => undefined);
      return obj ? (obj.metadata.labels ?? {}) : undefined;
    },
    warn,
    dispatcher,
    rateLimitIntervalMs: options.rateLimitIntervalMs ?? DEFAULT_RATE_LIMIT_INTERVAL_MS,
    httpMetrics: new HttpMetrics(registry, "gotk_event"),
    deliveryMetrics,
    logger: logger.child({ component: "event-server" }),
    whenSynced: () => manager.cache.waitForSync(),
  });
  const receiverServer = new ReceiverServer({
    receiverForPath: (path) => receivers.informer.byIndex(WEBHOOK_PATH_INDEX, path)[0],
    readSecret: async (receiver) => {
      const data = await readSecretData(client, receiver.metadata.namespace ?? "", receiver.spec.secretRef?.name ?? "");
      const token = data["token"];
      if (token === undefined) {
        throw new Error(
          `invalid "${receiver.metadata.namespace}/${receiver.spec.secretRef?.name}" secret data: required field 'token'`,
        );
      }
      return { token, data };
    },
    client,
    noCrossNamespaceRefs: options.noCrossNamespaceRefs,
    httpMetrics: new HttpMetrics(registry, "gotk_receiver"),
    googleIdTokens: new GoogleIdTokenVerifier(options.googleCertsUrl),
    logger: logger.child({ component: "receiver-server" }),
    whenSynced: () => manager.cache.waitForSync(),
  });

  let running: Promise<void> | undefined;
  let abort: AbortController | undefined;
  let markReady!: (value: NotificationAddresses) => void;
  let markFailed!: (err: unknown) => void;
  const readyPromise = new Promise<NotificationAddresses>((res, rej) => {
    markReady = res;
    markFailed = rej;
  });
  readyPromise.catch(() => undefined);

  const run = async (signal: AbortSignal): Promise<void> => {
    const eventsAddr = options.eventsAddr ?? DEFAULT_EVENTS_ADDR;
    const receiverAddr = options.receiverAddr ?? DEFAULT_RECEIVER_ADDR;
    const eventAddress = await eventServer.listen(eventsAddr);
    try {
      const receiverAddress = await receiverServer.listen(receiverAddr);
      // The URL too: with port 0 (tests, benchmarks) it is the only way to learn where it listens.
      logger.info({ addr: eventsAddr, url: httpUrl(eventAddress) }, "starting event server");
      logger.info({ addr: receiverAddr, url: httpUrl(receiverAddress) }, "starting webhook receiver server");
      markReady({ events: eventAddress, receiver: receiverAddress });
      await manager.start(signal);
    } finally {
      await Promise.all([eventServer.close(), receiverServer.close()]);
      await dispatcher.drain(5_000);
      await closeDispatchers();
    }
  };

  return {
    manager,
    receivers,
    dispatcher,
    start(signal: AbortSignal): Promise<void> {
      if (running) throw new Error("notification-controller already started");
      abort = new AbortController();
      running = run(AbortSignal.any([signal, abort.signal])).catch((err: unknown) => {
        markFailed(err);
        throw err;
      });
      return running;
    },
    async stop(): Promise<void> {
      abort?.abort(new Error("notification-controller stopped"));
      await running?.catch(() => undefined);
    },
    ready: () => readyPromise,
  };
}
