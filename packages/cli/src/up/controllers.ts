// The controllers `sluice up` can run in-process, each through its package's `create…Controller` with its
// HTTP servers (artifacts, metrics, health) on loopback free ports.

import { join } from "node:path";
import type { KubeConfig, RateLimit } from "@sluice/runtime/kube";
import type { Logger } from "@sluice/runtime/logging";
import { waitForManagerReady } from "./controller-readiness.js";
import { portFree, readPort, writePort } from "./kept-port.js";

/** What a controller needs from `sluice up`. */
export interface ControllerContext {
  /** The cluster access of controllers without their own identity. */
  kubeConfig: KubeConfig;
  /** Per controller: a kubeconfig acting as its own ServiceAccount (the chart's RBAC applies). */
  identities?: ReadonlyMap<ControllerName, KubeConfig> | undefined;
  /** The process logger (each controller logs through a child with `component: <name>`, unless `loggers` has its own). */
  logger: Logger;
  /** A controller's own logger (`sluice up` gives each its JSON log file). */
  loggers?: ReadonlyMap<string, Logger> | undefined;
  /** Directory for the controller's state (artifact storage); kept with `--data-dir`. */
  stateDir: string;
  /** Whether `stateDir` outlives this run (`--data-dir`): then servers keep their ports across runs. */
  persistent?: boolean | undefined;
  /** notification-controller's event endpoint, when one runs. */
  eventsAddr?: string | undefined;
  /**
   * source-watcher runs: kustomize- and helm-controller get the ExternalArtifact feature gate, as Flux's
   * `install --components-extra=source-watcher` sets it.
   */
  externalArtifacts?: boolean | undefined;
  /**
   * The controllers' client rate limit (default Flux's QPS 50, burst 300). `sluice up` turns it off for its
   * embedded API server, which runs on the same machine for this user alone.
   */
  rateLimit?: RateLimit | false | undefined;
  /** kustomize-controller's `--concurrent` (default 4, Flux's). */
  kustomizeConcurrency?: number | undefined;
  /** helm-controller's `--concurrent` (default 4, Flux's). */
  helmConcurrency?: number | undefined;
  /** source-controller's `--concurrent` (default 2, Flux's). */
  sourceConcurrency?: number | undefined;
}

/** The manager options every controller takes from the context: identity, loopback servers, logger, limits. */
function managerOptions(ctx: ControllerContext, name: ControllerName) {
  return {
    kubeConfig: kubeConfigOf(ctx, name),
    metricsAddr: LOOPBACK_ANY,
    healthAddr: LOOPBACK_ANY,
    logger: controllerLogger(ctx, name),
    gracefulShutdownTimeout: 10_000,
    ...(ctx.rateLimit !== undefined ? { rateLimit: ctx.rateLimit } : {}),
  };
}

/**
 * The artifact server address of an artifact producer: with a kept state directory the port of the last run
 * (when free), so the artifact URLs stored in status stay valid when `sluice up` resumes.
 */
async function keptStorageAddr(
  ctx: ControllerContext,
  name: ControllerName,
): Promise<{ addr: string; portFile: string }> {
  const portFile = join(ctx.stateDir, name, "storage-port");
  const previous = ctx.persistent ? await readPort(portFile) : undefined;
  const addr = previous !== undefined && (await portFree(previous)) ? `127.0.0.1:${previous}` : LOOPBACK_ANY;
  return { addr, portFile };
}

/** Where a running controller serves. */
export interface ControllerAddresses {
  /** `http://…/metrics` base (Prometheus scrape target). */
  metrics?: string | undefined;
  /** `http://…` serving `/healthz` and `/readyz`. */
  health?: string | undefined;
  /** source-controller's (or source-watcher's) artifact file server. */
  artifacts?: string | undefined;
  /** notification-controller's event endpoint. */
  events?: string | undefined;
  /** notification-controller's webhook receiver. */
  receiver?: string | undefined;
}

/** A controller that is running and ready. */
export interface RunningController {
  readonly name: ControllerName;
  readonly addresses: ControllerAddresses;
  /** Settles when the controller has stopped (rejects when it failed). */
  readonly done: Promise<void>;
}

/** Every controller name `--controllers` knows, built or not. */
export const CONTROLLER_NAMES = [
  "source-controller",
  "kustomize-controller",
  "helm-controller",
  "notification-controller",
  "image-reflector-controller",
  "image-automation-controller",
  "source-watcher",
] as const;
/** A controller name. */
export type ControllerName = (typeof CONTROLLER_NAMES)[number];

/** Starts one controller until `signal` aborts; resolves once it is ready. */
type ControllerStarter = (ctx: ControllerContext, signal: AbortSignal) => Promise<RunningController>;

const LOOPBACK_ANY = "127.0.0.1:0";

/** The kubeconfig a controller runs with: its own identity when it has one. */
function kubeConfigOf(ctx: ControllerContext, name: ControllerName): KubeConfig {
  return ctx.identities?.get(name) ?? ctx.kubeConfig;
}

/** The logger a controller runs with: its own when given, else a child of the process logger. */
export function controllerLogger(ctx: ControllerContext, name: string): Logger {
  return ctx.loggers?.get(name) ?? ctx.logger.child({ component: name });
}

// Each controller package is imported when it starts, so `sluice up --controllers none` (and every other
// sluice command) does not pay for loading the controllers.

const startSource: ControllerStarter = async (ctx, signal) => {
  const { createSourceController } = await import("@sluice/source-controller");
  const { addr: storageAddr, portFile } = await keptStorageAddr(ctx, "source-controller");
  const controller = createSourceController({
    storagePath: join(ctx.stateDir, "source-controller", "artifacts"),
    storageAddr,
    eventsAddr: ctx.eventsAddr,
    ...managerOptions(ctx, "source-controller"),
    ...(ctx.sourceConcurrency !== undefined ? { concurrency: ctx.sourceConcurrency } : {}),
  });
  const done = controller.start(signal);
  done.catch(() => undefined);
  const { storageAddress } = await controller.ready();
  if (ctx.persistent) await writePort(portFile, storageAddress.port);
  const probes = await waitForManagerReady("source-controller", controller.manager, done);
  return {
    name: "source-controller",
    addresses: { ...probes, artifacts: `http://${storageAddress.address}:${storageAddress.port}` },
    done,
  };
};

const startKustomize: ControllerStarter = async (ctx, signal) => {
  const { createKustomizeController } = await import("@sluice/kustomize-controller");
  const controller = createKustomizeController({
    eventsAddr: ctx.eventsAddr,
    ...managerOptions(ctx, "kustomize-controller"),
    ...(ctx.kustomizeConcurrency !== undefined ? { concurrency: ctx.kustomizeConcurrency } : {}),
    allowExternalArtifact: ctx.externalArtifacts === true,
  });
  const done = controller.start(signal);
  done.catch(() => undefined);
  const probes = await waitForManagerReady("kustomize-controller", controller.manager, done);
  return { name: "kustomize-controller", addresses: probes, done };
};

const startHelm: ControllerStarter = async (ctx, signal) => {
  const { createHelmController } = await import("@sluice/helm-controller");
  const controller = createHelmController({
    eventsAddr: ctx.eventsAddr,
    ...managerOptions(ctx, "helm-controller"),
    ...(ctx.helmConcurrency !== undefined ? { concurrency: ctx.helmConcurrency } : {}),
    ...(ctx.externalArtifacts ? { featureGates: new Map([["ExternalArtifact", true]]) } : {}),
  });
  const done = controller.start(signal);
  done.catch(() => undefined);
  const probes = await waitForManagerReady("helm-controller", controller.manager, done);
  return { name: "helm-controller", addresses: probes, done };
};

// source-watcher: the ArtifactGenerator controller with its own artifact server (a kept port, as source-controller's).
const startSourceWatcher: ControllerStarter = async (ctx, signal) => {
  const { createSourceWatcher } = await import("@sluice/source-watcher");
  const { addr: storageAddr, portFile } = await keptStorageAddr(ctx, "source-watcher");
  const controller = createSourceWatcher({
    storagePath: join(ctx.stateDir, "source-watcher", "artifacts"),
    storageAddr,
    eventsAddr: ctx.eventsAddr,
    ...managerOptions(ctx, "source-watcher"),
  });
  const done = controller.start(signal);
  done.catch(() => undefined);
  const { storageAddress } = await controller.ready();
  if (ctx.persistent) await writePort(portFile, storageAddress.port);
  const probes = await waitForManagerReady("source-watcher", controller.manager, done);
  return {
    name: "source-watcher",
    addresses: { ...probes, artifacts: `http://${storageAddress.address}:${storageAddress.port}` },
    done,
  };
};

// notification-controller starts first: the others send their events to its event server.
const startNotification: ControllerStarter = async (ctx, signal) => {
  const { createNotificationController } = await import("@sluice/notification-controller");
  const controller = createNotificationController({
    eventsAddr: LOOPBACK_ANY,
    receiverAddr: LOOPBACK_ANY,
    ...managerOptions(ctx, "notification-controller"),
  });
  const done = controller.start(signal);
  done.catch(() => undefined);
  const { events, receiver } = await controller.ready();
  const probes = await waitForManagerReady("notification-controller", controller.manager, done);
  return {
    name: "notification-controller",
    addresses: { ...probes, events: `http://127.0.0.1:${events.port}`, receiver: `http://127.0.0.1:${receiver.port}` },
    done,
  };
};

const startImageReflector: ControllerStarter = async (ctx, signal) => {
  const { createImageReflectorController } = await import("@sluice/image-reflector-controller");
  const controller = createImageReflectorController({
    // The tag database: kept with `--data-dir`, so ImagePolicies are served after a restart without a rescan.
    storagePath: join(ctx.stateDir, "image-reflector-controller", "data"),
    eventsAddr: ctx.eventsAddr,
    ...managerOptions(ctx, "image-reflector-controller"),
  });
  const done = controller.start(signal);
  done.catch(() => undefined);
  const probes = await waitForManagerReady("image-reflector-controller", controller.manager, done);
  return { name: "image-reflector-controller", addresses: probes, done };
};

const startImageAutomation: ControllerStarter = async (ctx, signal) => {
  const { createImageAutomationController } = await import("@sluice/image-automation-controller");
  const controller = createImageAutomationController({
    eventsAddr: ctx.eventsAddr,
    ...managerOptions(ctx, "image-automation-controller"),
  });
  const done = controller.start(signal);
  done.catch(() => undefined);
  const probes = await waitForManagerReady("image-automation-controller", controller.manager, done);
  return { name: "image-automation-controller", addresses: probes, done };
};

/** The controllers this build of `sluice up` can run, in start order. */
export const AVAILABLE_CONTROLLERS: ReadonlyMap<ControllerName, ControllerStarter> = new Map([
  ["notification-controller", startNotification],
  ["source-controller", startSource],
  ["kustomize-controller", startKustomize],
  ["helm-controller", startHelm],
  ["source-watcher", startSourceWatcher],
  ["image-reflector-controller", startImageReflector],
  ["image-automation-controller", startImageAutomation],
]);

/** Error for a `--controllers` value that can't be used. */
export class ControllerSelectionError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ControllerSelectionError";
  }
}

/**
 * Parses `--controllers`: `all` (every available controller), `none` (the API server alone), or a
 * comma-separated list of names (`source-controller` or short `source`). Unknown names and controllers this
 * build does not have are errors naming the flag and the value.
 */
export function parseControllerList(
  value: string,
  available: ReadonlyMap<ControllerName, unknown> = AVAILABLE_CONTROLLERS,
): ControllerName[] {
  const trimmed = value.trim();
  if (trimmed === "all" || trimmed === "") return [...available.keys()];
  if (trimmed === "none") return [];
  const names: ControllerName[] = [];
  for (const raw of trimmed.split(",")) {
    const item = raw.trim();
    if (item === "") continue;
    const full = (
      item.endsWith("-controller") || item === "source-watcher" ? item : `${item}-controller`
    ) as ControllerName;
    if (!(CONTROLLER_NAMES as readonly string[]).includes(full)) {
      throw new ControllerSelectionError(
        `invalid --controllers "${value}": unknown controller "${item}" (known: ${CONTROLLER_NAMES.join(", ")}, all, none)`,
      );
    }
    if (!available.has(full)) {
      throw new ControllerSelectionError(
        `invalid --controllers "${value}": ${full} is not available in this build (available: ${[...available.keys()].join(", ")})`,
      );
    }
    if (!names.includes(full)) names.push(full);
  }
  // Keep start order stable (sources first).
  return [...available.keys()].filter((n) => names.includes(n));
}

/**
 * Starts the named controllers one after another, each ready before the next starts, appending each to
 * `running` as soon as it is ready (so a caller stopping after a later failure can wait for those).
 */
export async function startControllers(
  names: readonly ControllerName[],
  ctx: ControllerContext,
  signal: AbortSignal,
  running: RunningController[] = [],
): Promise<RunningController[]> {
  if (names.includes("source-watcher")) ctx = { ...ctx, externalArtifacts: true };
  for (const name of names) {
    const starter = AVAILABLE_CONTROLLERS.get(name);
    if (!starter) throw new ControllerSelectionError(`${name} is not available in this build`);
    const started = await starter(ctx, signal);
    running.push(started);
    // Every controller started after notification-controller sends its events there.
    if (started.addresses.events && !ctx.eventsAddr) ctx = { ...ctx, eventsAddr: `${started.addresses.events}/` };
  }
  return running;
}
