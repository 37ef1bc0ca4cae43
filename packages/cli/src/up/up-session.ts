// `sluice up` as a library: the embedded API server (or a given cluster), the chart's CRDs, every selected
// controller in this process with its HTTP servers on loopback, and with `demo` a local Git repository
// served over HTTP plus the Flux objects that deploy it. The command (commands/up.ts) and the e2e tests
// both run it through {@link startUp}.

import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { SOURCE_API_VERSION } from "@sluice/api";
import { type GitHttpServer, startGitHttpServer } from "@sluice/git-server";
import { KubeClient, KubeConfig, type UnstructuredObject } from "@sluice/runtime/kube";
import type { Logger, LogLevel } from "@sluice/runtime/logging";
import { loadCrds } from "../install/crds.js";
import { type EmbeddedApiServer, startEmbeddedApiServer } from "./api-server-thread.js";
import { controllerIdentities, renderChartFor } from "./controller-identities.js";
import { ControllerLogs } from "./controller-logs.js";
import { controllerDeployments, controllerLogSources } from "./controller-pods.js";
import { type ControllerName, type RunningController, startControllers } from "./controllers.js";
import { installCrds, UP_FIELD_MANAGER } from "./crds.js";
import { lockDataDir } from "./data-dir-lock.js";
import { DEMO_NAMESPACE, DEMO_SOURCE_NAME, demoObjects, FLUX_NAMESPACE } from "./demo-objects.js";
import { DEMO_OVERLAYS, DEMO_REPO_NAME, ensureDemoRepo } from "./demo-repo.js";
import { portFree, readPort, writePort } from "./kept-port.js";
import { Narrator } from "./narrator.js";
import { requestReconcile } from "./request-reconcile.js";
import { startUi, type UiInfo } from "./ui.js";

/**
 * kustomize-controller's `--concurrent` against the embedded API server. 64 was tried for 1000
 * Kustomizations (issue 17): the runs are CPU-bound on 2 cores (≈130 ms of CPU each, kubectl included), and
 * it raised sluice up's peak RSS from 447 to 661 MiB, so 16 stays.
 */
export const EMBEDDED_KUSTOMIZE_CONCURRENCY = 16;
/**
 * helm-controller's `--concurrent` against the embedded API server: a release spends most of its time in
 * `helm --wait` watching its workloads become ready, not on the CPU; each running helm holds ~60 MiB.
 */
export const EMBEDDED_HELM_CONCURRENCY = 10;
/**
 * source-controller's `--concurrent` against the embedded API server: every HelmRelease of `spec.chart` has
 * its own HelmChart, and its release waits for that chart's artifact; at Flux's 2, 100 HelmReleases queued
 * behind the chart builds (under load fewer than half of helm-controller's workers had a chart to install).
 */
export const EMBEDDED_SOURCE_CONCURRENCY = 8;

/** Options of {@link startUp}. */
export interface UpOptions {
  /** API server port (0: any free port; default 0). Ignored with `kubeconfig`. */
  port?: number | undefined;
  /** Keep the API server's state, the artifacts and the demo repository here (default: in memory / temp). */
  dataDir?: string | undefined;
  /** Use this cluster instead of starting the embedded API server. */
  kubeconfig?: string | undefined;
  /** The context of `kubeconfig` to use (default its current context). */
  context?: string | undefined;
  /** Write the embedded server's kubeconfig here once it serves. */
  writeKubeconfig?: string | undefined;
  /** Controllers to run (see `parseControllerList`). */
  controllers: readonly ControllerName[];
  /** Create and serve the demo repository and the objects deploying it, and narrate. */
  demo?: boolean | undefined;
  /** Delay of the API server's simulated workload status (default 500 ms). */
  workloadDelayMs?: number | undefined;
  /** Process logger (controllers log through children of it, unless `fileLogs`). */
  logger: Logger;
  /**
   * Each controller logs JSON lines at this level to `<state dir>/logs/<controller>.log` (where `sluice logs`
   * reads them) instead of through `logger`.
   */
  fileLogs?: { level: LogLevel } | undefined;
  /** Receives the narration lines of `demo`. */
  narrate?: ((line: string) => void) | undefined;
  /** Start the web UI (default true). */
  ui?: boolean | undefined;
  /** Port of the web UI (default 9400, or any free port when 9400 is taken; 0: any free port). */
  uiPort?: number | undefined;
}

/** The demo's parts, when it runs. */
export interface DemoInfo {
  /** Clone URL of the demo repository. */
  repoUrl: string;
  /** Path of the bare repository on disk. */
  repoPath: string;
  /** The Flux objects created for it (`Kind/namespace/name`). */
  objects: string[];
}

/** A running `sluice up`. */
export interface UpSession {
  /** Directory of the controllers' log files (with `fileLogs`). */
  readonly logDir: string | undefined;
  /** The API server URL. */
  readonly apiUrl: string;
  /** The kubeconfig file to reach it. */
  readonly kubeconfigPath: string;
  /** Whether the API server is the embedded one (false with `kubeconfig`). */
  readonly embedded: boolean;
  /** The state directory (`dataDir`, or a temporary one removed on stop). */
  readonly stateDir: string;
  /** Whether the state survives {@link stop} (a `dataDir` was given or an external cluster is used). */
  readonly persistent: boolean;
  readonly kubeConfig: KubeConfig;
  /** A client for the cluster (closed on stop). */
  readonly client: KubeClient;
  readonly controllers: readonly RunningController[];
  /** The user each controller acts as (its chart ServiceAccount on the embedded server; empty otherwise). */
  readonly identities: ReadonlyMap<ControllerName, string>;
  readonly demo: DemoInfo | undefined;
  /** The web UI, unless disabled. */
  readonly ui: UiInfo | undefined;
  /** Rejects when a controller fails while running. */
  readonly failed: Promise<never>;
  /** Stops the narrator, the controllers, the Git server and the API server, and removes temporary state. */
  stop(): Promise<void>;
}

function loadKubeConfig(path: string, context?: string): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromFile(path);
  if (context) {
    if (!kc.getContextObject(context)) throw new TypeError(`context "${context}" does not exist in ${path}`);
    kc.setCurrentContext(context);
  }
  if (!kc.getCurrentCluster()) throw new TypeError(`${path} has no current cluster`);
  return kc;
}

/**
 * Starts everything `sluice up` runs and resolves once the API server serves, the CRDs are Established,
 * every controller reports ready and (with `demo`) the demo objects exist. On a failure part way, what
 * started is stopped again before the promise rejects.
 */
export async function startUp(options: UpOptions): Promise<UpSession> {
  const cleanups: Array<() => Promise<void>> = [];
  const cleanup = async () => {
    for (const fn of cleanups.reverse()) await fn().catch(() => undefined);
    cleanups.length = 0;
  };
  try {
    const stateDir = options.dataDir ? resolve(options.dataDir) : await mkdtemp(join(tmpdir(), "sluice-up-"));
    if (options.dataDir) {
      const unlock = lockDataDir(stateDir);
      cleanups.push(async () => unlock());
    } else {
      cleanups.push(() => rm(stateDir, { recursive: true, force: true }));
    }

    // Closed after everything else stopped (cleanups run in reverse).
    let loggers: Map<string, Logger> | undefined;
    let logs: ControllerLogs | undefined;
    let log = options.logger;
    if (options.fileLogs) {
      const opened = ControllerLogs.open(join(stateDir, "logs"), options.fileLogs.level);
      logs = opened;
      cleanups.push(() => opened.close());
      log = await opened.logger("sluice-up");
      loggers = new Map();
      for (const name of options.controllers) loggers.set(name, await opened.logger(name));
    }

    let server: EmbeddedApiServer | undefined;
    let kubeConfig: KubeConfig;
    let kubeconfigPath: string;
    if (options.kubeconfig) {
      if (options.writeKubeconfig) {
        throw new TypeError(
          "--write-kubeconfig applies to the embedded API server; it cannot be used with --kubeconfig",
        );
      }
      kubeconfigPath = resolve(options.kubeconfig);
      kubeConfig = loadKubeConfig(kubeconfigPath, options.context);
    } else {
      server = await startEmbeddedApiServer({
        port: options.port ?? 0,
        simulateWorkloads: true,
        // ReplicaSets and Pods for Deployments, so the UI's resource tree shows what a cluster would.
        simulatePods: true,
        ...(options.workloadDelayMs !== undefined ? { workloadDelayMs: options.workloadDelayMs } : {}),
        ...(options.dataDir ? { dataDir: join(stateDir, "apiserver") } : {}),
        // `kubectl logs deploy/<controller>` and `sluice logs` read the controllers' log files as their Pods'.
        ...(logs ? { podLogs: controllerLogSources(options.controllers, FLUX_NAMESPACE, (c) => logs.file(c)) } : {}),
      }).catch((err: unknown) => {
        if ((err as NodeJS.ErrnoException).code === "EADDRINUSE") {
          throw new Error(`--port ${options.port}: 127.0.0.1:${options.port} is already in use`);
        }
        throw err;
      });
      const running = server;
      cleanups.push(() => running.stop());
      kubeconfigPath = resolve(options.writeKubeconfig ?? join(stateDir, "kubeconfig"));
      server.writeKubeconfig(kubeconfigPath);
      kubeConfig = loadKubeConfig(kubeconfigPath);
    }
    const apiUrl = server?.url ?? kubeConfig.getCurrentCluster()?.server ?? "";
    log.info({ url: apiUrl, kubeconfig: kubeconfigPath }, server ? "API server serving" : "using cluster");

    const client = KubeClient.fromKubeConfig(kubeConfig, { rateLimit: false });
    cleanups.push(async () => client.close());
    // source-watcher's CRDs only when it runs, as Flux installs them only with the component.
    const components = options.controllers.includes("source-watcher") ? ["source-watcher"] : [];
    const crds = await installCrds(client, await loadCrds(process.env, components));
    log.info({ count: crds.length }, "CRDs installed");
    // The namespace Flux's objects live in, as `flux install` creates it.
    await client.apply(
      { apiVersion: "v1", kind: "Namespace", metadata: { name: FLUX_NAMESPACE } },
      { fieldManager: UP_FIELD_MANAGER, force: true },
    );

    // On the embedded server each controller acts as its chart ServiceAccount; the user keeps the admin's access.
    const render =
      server && options.controllers.length > 0
        ? await renderChartFor(options.controllers, FLUX_NAMESPACE, process.env)
        : undefined;
    const identities = render
      ? await controllerIdentities(options.controllers, FLUX_NAMESPACE, kubeConfig, client, render)
      : undefined;
    // The controllers as their chart Deployments' Pods, whose `manager` logs are the controllers' log files.
    for (const d of render ? controllerDeployments(render, options.controllers) : []) {
      await client.apply(d, { fieldManager: UP_FIELD_MANAGER, force: true });
    }
    const users = new Map<ControllerName, string>();
    for (const [name, kc] of identities ?? []) users.set(name, kc.getCurrentUser()?.name ?? "");
    if (users.size > 0) {
      log.info({ identities: Object.fromEntries(users) }, "controllers act as their chart ServiceAccounts");
    }

    const abort = new AbortController();
    const controllers: RunningController[] = [];
    cleanups.push(async () => {
      abort.abort(new Error("sluice up stopping"));
      await Promise.all(controllers.map((c) => c.done.catch(() => undefined)));
    });
    await startControllers(
      options.controllers,
      {
        kubeConfig,
        identities,
        logger: options.logger,
        loggers,
        stateDir,
        persistent: options.dataDir !== undefined,
        // The embedded API server serves this machine's user alone: no client-side limit in front of it, and
        // more Kustomizations at once (their health checks wait on watches, not on the CPU). A given cluster
        // gets Flux's defaults.
        ...(server
          ? {
              rateLimit: false as const,
              kustomizeConcurrency: EMBEDDED_KUSTOMIZE_CONCURRENCY,
              helmConcurrency: EMBEDDED_HELM_CONCURRENCY,
              sourceConcurrency: EMBEDDED_SOURCE_CONCURRENCY,
            }
          : {}),
      },
      abort.signal,
      controllers,
    );
    const failed = new Promise<never>((_, reject) => {
      for (const c of controllers) {
        c.done.then(
          () => {
            if (!abort.signal.aborted) reject(new Error(`${c.name} stopped unexpectedly`));
          },
          (err: unknown) => {
            if (!abort.signal.aborted) reject(err);
          },
        );
      }
    });
    failed.catch(() => undefined);

    let demo: DemoInfo | undefined;
    if (options.demo) {
      const gitRoot = join(stateDir, "demo");
      const repoPath = await ensureDemoRepo(gitRoot);
      // A push reconciles the demo's source at once, as a Git host's webhook to a Receiver would.
      // With --data-dir the server keeps its port, so clones of the demo keep a working origin.
      const portFile = join(stateDir, "demo-git-port");
      const previous = options.dataDir ? await readPort(portFile) : undefined;
      const git: GitHttpServer = await startGitHttpServer({
        root: gitRoot,
        receivePack: true,
        ...(previous !== undefined && (await portFree(previous)) ? { port: previous } : {}),
        onPush: () => {
          requestReconcile(client, SOURCE_API_VERSION, "GitRepository", DEMO_NAMESPACE, DEMO_SOURCE_NAME).catch(
            (err: unknown) => log.warn({ error: err }, "could not request a reconcile of the demo source"),
          );
        },
      });
      cleanups.push(() => git.stop());
      if (options.dataDir) await writePort(portFile, Number(new URL(git.baseUrl).port));
      const repoUrl = git.url(DEMO_REPO_NAME);
      const objects = demoObjects(repoUrl);
      for (const obj of objects) await client.apply(obj, { fieldManager: UP_FIELD_MANAGER, force: true });
      const fluxObjects = objects.filter((o) => o.kind !== "Namespace");
      demo = {
        repoUrl,
        repoPath,
        objects: fluxObjects.map((o: UnstructuredObject) => `${o.kind}/${o.metadata.namespace}/${o.metadata.name}`),
      };
      if (options.narrate) {
        const narrator = new Narrator({
          client,
          objects: fluxObjects.map((o) => ({
            apiVersion: o.apiVersion,
            kind: o.kind,
            namespace: o.metadata.namespace ?? DEMO_NAMESPACE,
            name: o.metadata.name ?? DEMO_SOURCE_NAME,
          })),
          deployments: DEMO_OVERLAYS.map((o) => ({
            namespace: o.namespace,
            name: "hello",
            after: `Kustomization/${DEMO_NAMESPACE}/demo-${o.name}`,
          })),
          write: options.narrate,
        });
        narrator.start();
        cleanups.push(() => narrator.stop());
      }
    }

    let ui: UiInfo | undefined;
    if (options.ui ?? true) {
      const running = await startUi({
        kubeConfig,
        kubeconfigPath,
        port: options.uiPort,
        logger: options.logger,
        logDir: logs?.dir,
        // The demo repository takes pushes: "roll back to this revision" commits a revert to it.
        pushUrls: demo ? [demo.repoUrl] : [],
      });
      cleanups.push(() => running.stop());
      ui = running.info;
    }

    let stopping: Promise<void> | undefined;
    return {
      logDir: logs?.dir,
      apiUrl,
      kubeconfigPath,
      embedded: server !== undefined,
      stateDir,
      persistent: options.dataDir !== undefined || server === undefined,
      kubeConfig,
      client,
      controllers,
      identities: users,
      demo,
      ui,
      failed,
      stop: () => {
        stopping ??= cleanup();
        return stopping;
      },
    };
  } catch (err: unknown) {
    await cleanup();
    throw err;
  }
}
