import { randomBytes } from "node:crypto";
import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { createServer as createHttpsServer } from "node:https";
import type { AddressInfo } from "node:net";
import { BuiltinAdmission, CompositeAdmission } from "./api/builtin-admission.js";
import { ResourceService } from "./api/resource-service.js";
import { type AuditEvent, AuditLog } from "./audit.js";
import { ClusterRoleAggregator } from "./authz/aggregation-controller.js";
import { Authorizer } from "./authz/authorizer.js";
import { escalationCheck } from "./authz/escalation.js";
import { LegacyTokenController } from "./authz/legacy-token-controller.js";
import { RbacIndex } from "./authz/rbac-index.js";
import { defaultRbacObject, validateRbacObject } from "./authz/rbac-validation.js";
import { ServiceAccountTokens, TOKEN_ISSUER } from "./authz/service-account-tokens.js";
import { bootstrapObjects, bootstrapRbac } from "./bootstrap.js";
import { GarbageCollector } from "./controllers/garbage-collector.js";
import { NamespaceController } from "./controllers/namespace-controller.js";
import { NamespaceDefaultsController } from "./controllers/namespace-defaults.js";
import { ReplicaSimulator } from "./controllers/replica-simulator.js";
import { WorkloadSimulator } from "./controllers/workload-simulator.js";
import { CrdController } from "./crd/crd-controller.js";
import { admitCrd } from "./crd/crd-validation.js";
import { CrdSchemas, CustomResourceAdmission } from "./crd/custom-resource-admission.js";
import { OpenApiV3 } from "./http/openapi.js";
import { type PodLogSource, PodLogs } from "./http/pod-logs.js";
import { RequestMetrics } from "./http/request-metrics.js";
import { ResourceHandler } from "./http/resource-handler.js";
import { route } from "./http/router.js";
import { buildKubeconfig, writeKubeconfigFile } from "./kubeconfig.js";
import { logStorage } from "./log.js";
import { builtinResourceTypes } from "./resources/builtin-kinds.js";
import { ResourceRegistry } from "./resources/registry.js";
import { type DataDirLock, lockDataDir } from "./store/data-dir-lock.js";
import { ObjectStore, objectKey } from "./store/object-store.js";
import { FilePersistence } from "./store/persistence.js";
import { generateServingCertificates } from "./tls/certificates.js";
import type { JsonObject } from "./util/json.js";

/** Options of an embedded API server. */
export interface ApiServerOptions {
  /** TCP port on 127.0.0.1 (0 = any free port, the default). */
  port?: number;
  /** Address to bind (default 127.0.0.1). */
  host?: string;
  /** Serve HTTPS with a CA generated at start (default true). */
  tls?: boolean;
  /**
   * Directory for durable storage (made 0700, its files 0600); omitted keeps everything in memory. The server
   * locks it: a second server on the same directory fails to start with a DataDirInUseError naming the pid.
   */
  dataDir?: string;
  /** Mark workloads as progressed/available after a short delay (default true). */
  simulateWorkloads?: boolean;
  /** Delay before simulated workload status (default 500 ms). */
  workloadDelayMs?: number;
  /**
   * Create a ReplicaSet per Deployment and the Pods of each ReplicaSet, as kube-controller-manager would, so
   * resource trees show Deployment → ReplicaSet → Pods (default false). Their status needs `simulateWorkloads`.
   */
  simulatePods?: boolean;
  /**
   * Where Pods' container logs come from (pods/log): a Pod in a source's namespace carrying all its labels
   * gets the lines of its file for that container. Other containers answer as ones that logged nothing.
   */
  podLogs?: PodLogSource[];
  /**
   * PEM of the CA(s) that sign client certificates, as kube-apiserver's `--client-ca-file` (TLS only): the
   * server then requests (does not require) a client certificate; one this CA verifies authenticates as user
   * CN in groups O (plus `system:authenticated`), an unverified one is 401 unless a valid token comes with it.
   */
  clientCA?: string;
  /** Bearer token to accept (default: random). */
  token?: string;
  /**
   * With `tls: false` only: authenticate requests that carry no Authorization header and come from a loopback
   * address as the admin. kubectl and helm (client-go) never send a bearer token over plain HTTP, so without
   * this a plain-HTTP server is usable only by clients that do (e.g. @kubernetes/client-node). Default false.
   */
  allowUnauthenticatedHttp?: boolean;
  /**
   * `RBAC` (default): requests are authorized like kube-apiserver's `--authorization-mode=RBAC` (the admin is
   * in `system:masters`); `AlwaysAllow` lets every authenticated request through.
   */
  authorization?: "RBAC" | "AlwaysAllow";
  /** Interval between watch BOOKMARK events (default 60 s). */
  bookmarkIntervalMs?: number;
  /** Events kept per resource for watches from older resourceVersions (default 10 000). */
  watchHistory?: number;
  /** How long a watch without timeoutSeconds stays open, in seconds (default 1800, times a random 1..2). */
  watchTimeoutSeconds?: number;
}

/** A running embedded API server. */
export interface ApiServer {
  /** `https://127.0.0.1:<port>` (or http). */
  url: string;
  port: number;
  /** Bearer token accepted by the server. */
  token: string;
  /** PEM of the CA that signed the serving certificate (HTTPS only). */
  caCert?: string;
  /** A kubeconfig (object) pointing at the server with the admin token. */
  kubeconfig: JsonObject;
  /** Writes the kubeconfig as YAML to a file (mode 0600). */
  writeKubeconfig(path: string): void;
  /**
   * Issues a bound token for an existing ServiceAccount (as TokenRequest does; default expiry 1 hour) — e.g.
   * for a kubeconfig that acts as that ServiceAccount.
   */
  issueServiceAccountToken(namespace: string, name: string, expirationSeconds?: number): string;
  /** The request audit log (newest last). */
  auditEvents(): AuditEvent[];
  /** Stops serving, ends watches and closes storage. */
  stop(): Promise<void>;
}

/** Something that runs inside the server (namespace lifecycle, GC, CRDs, workload simulation). */
export interface ServerController {
  start(): void;
  stop(): void;
}

/**
 * Starts an embeddable Kubernetes API server on 127.0.0.1 that real kubectl, helm and client libraries accept:
 * REST semantics, discovery, watch, patches and server-side apply, CRDs, garbage collection, namespaces.
 */
export async function startApiServer(options: ApiServerOptions = {}): Promise<ApiServer> {
  const host = options.host ?? "127.0.0.1";
  const useTls = options.tls ?? true;
  if (options.allowUnauthenticatedHttp === true && useTls) {
    throw new Error("allowUnauthenticatedHttp requires tls: false");
  }
  if (options.clientCA !== undefined && !useTls) throw new Error("clientCA requires tls (client certificates)");
  const token = options.token ?? randomBytes(24).toString("hex");
  const lock = options.dataDir ? lockDataDir(options.dataDir) : undefined;
  try {
    return await serve(options, host, useTls, token, lock);
  } catch (err: unknown) {
    lock?.release();
    throw err;
  }
}

function logLockTakeover(lock: DataDirLock): void {
  const pid = lock.previousPid;
  if (pid === undefined) return;
  try {
    process.kill(pid, 0);
  } catch (err: unknown) {
    if ((err as NodeJS.ErrnoException).code === "ESRCH")
      logStorage("info", "took over the data directory lock of a process that is gone", { file: lock.path, pid });
  }
}

async function serve(
  options: ApiServerOptions,
  host: string,
  useTls: boolean,
  token: string,
  lock: DataDirLock | undefined,
): Promise<ApiServer> {
  if (lock) logLockTakeover(lock);
  const persistence = options.dataDir ? new FilePersistence(options.dataDir) : undefined;
  const store = new ObjectStore({
    historyCapacity: options.watchHistory ?? 10_000,
    ...(persistence ? { persistence } : {}),
  });
  const registry = new ResourceRegistry();
  registry.setOwned("builtin", builtinResourceTypes());
  const schemas = new CrdSchemas();
  const rbac = new RbacIndex(store);
  const authorizer = new Authorizer(rbac, (options.authorization ?? "RBAC") === "RBAC");
  const tokens = new ServiceAccountTokens(store, options.dataDir);
  const admission = new CompositeAdmission(
    new BuiltinAdmission(),
    new CustomResourceAdmission(schemas),
    [admitCrd, validateRbacObject, escalationCheck(authorizer)],
    [defaultRbacObject],
  );
  const service = new ResourceService(store, admission);
  bootstrapObjects(registry, service);
  bootstrapRbac(registry, service);
  await store.flush();
  const certs = useTls ? generateServingCertificates(host === "127.0.0.1" ? [] : [host]) : undefined;
  const controllers: ServerController[] = [
    new CrdController(service, registry, schemas),
    new NamespaceController(service, registry),
    new NamespaceDefaultsController(service, registry, certs?.caCert),
    new GarbageCollector(service, registry),
    new ClusterRoleAggregator(service, registry),
    new LegacyTokenController(service, registry, tokens, certs?.caCert),
  ];
  if (options.simulateWorkloads ?? true) {
    controllers.push(new WorkloadSimulator(service, registry, options.workloadDelayMs ?? 500));
  }
  if (options.simulatePods === true) {
    controllers.push(new ReplicaSimulator(service, registry, Math.min(options.workloadDelayMs ?? 500, 100)));
  }
  const podLogs = new PodLogs(service, options.podLogs ?? []);
  const audit = new AuditLog();
  const metrics = new RequestMetrics();
  const resources = new ResourceHandler(service, {
    bookmarkIntervalMs: options.bookmarkIntervalMs ?? 60_000,
    defaultWatchTimeoutSeconds: options.watchTimeoutSeconds ?? 1800,
  });
  const openapi = new OpenApiV3(registry, (rt) =>
    rt.crdName ? schemas.get(rt.crdName, rt.version)?.schema : undefined,
  );
  let address = "";
  const handler = (req: IncomingMessage, res: ServerResponse): void => {
    void route(
      {
        registry,
        resources,
        token,
        ...(options.allowUnauthenticatedHttp === true ? { trustLoopbackHttp: true } : {}),
        ...(options.clientCA !== undefined ? { clientCertificates: true } : {}),
        authorizer,
        tokens,
        store,
        audit,
        metrics,
        serverAddress: () => address,
        version: () => ({
          major: "1",
          minor: "33",
          emulationMajor: "1",
          emulationMinor: "33",
          minCompatibilityMajor: "1",
          minCompatibilityMinor: "32",
          gitVersion: "v1.33.0-sluice",
          gitCommit: "0000000000000000000000000000000000000000",
          gitTreeState: "clean",
          buildDate: "2025-01-01T00:00:00Z",
          goVersion: "go1.24.0",
          compiler: "gc",
          platform: `${process.platform}/${process.arch === "x64" ? "amd64" : process.arch}`,
        }),
        openapi: (path, req, res) => openapi.serve(path, req, res),
        ready: () => true,
        podLogs,
      },
      req,
      res,
    );
  };
  let caCert: string | undefined;
  let server: Server;
  if (certs) {
    caCert = certs.caCert;
    const clientAuth =
      options.clientCA !== undefined ? { ca: options.clientCA, requestCert: true, rejectUnauthorized: false } : {};
    server = createHttpsServer({ cert: `${certs.cert}${certs.caCert}`, key: certs.key, ...clientAuth }, handler);
  } else {
    server = createHttpServer(handler);
  }
  server.keepAliveTimeout = 65_000;
  server.headersTimeout = 66_000;
  server.requestTimeout = 0;
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, host, () => {
      server.off("error", reject);
      resolve();
    });
  }).catch((err: unknown) => {
    store.close(); // before the caller releases the data directory's lock
    throw err;
  });
  const port = (server.address() as AddressInfo).port;
  address = `${host}:${port}`;
  const url = `${useTls ? "https" : "http"}://${host.includes(":") ? `[${host}]` : host}:${port}`;
  for (const c of controllers) c.start();
  const kubeconfig = buildKubeconfig(url, token, caCert);
  let stopped = false;
  const result: ApiServer = {
    url,
    port,
    token,
    kubeconfig,
    writeKubeconfig: (path) => writeKubeconfigFile(path, kubeconfig),
    issueServiceAccountToken: (namespace, name, expirationSeconds = 3600) => {
      const sa = store.get("/serviceaccounts", objectKey(namespace, name));
      if (!sa) throw new Error(`serviceaccount ${namespace}/${name} does not exist`);
      const uid = String(sa.metadata["uid"]);
      return tokens.issue({ namespace, name, uid, audiences: [TOKEN_ISSUER], expirationSeconds }).token;
    },
    auditEvents: () => audit.list(),
    stop: async () => {
      if (stopped) return;
      stopped = true;
      for (const c of controllers) c.stop();
      rbac.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      store.close();
      lock?.release();
    },
  };
  if (caCert !== undefined) result.caCert = caCert;
  return result;
}
