// A small kubeconfig loader: the subset of @kubernetes/client-node's KubeConfig the controllers use, without
// loading client-node (whose config module pulls in the whole generated API, ~70 MiB of heap).

import { readFileSync } from "node:fs";
import { homedir } from "node:os";
import { delimiter, dirname, isAbsolute, join } from "node:path";
import { parse as parseYaml } from "yaml";
import { type ExecCredentialConfig, execCredentialToken } from "./exec-credential.js";

/** A kubeconfig cluster, with client-node's field names. */
export interface KubeCluster {
  name: string;
  server: string;
  caData?: string | undefined;
  caFile?: string | undefined;
  skipTLSVerify?: boolean | undefined;
  tlsServerName?: string | undefined;
  proxyUrl?: string | undefined;
}

/** A kubeconfig user, with client-node's field names. */
export interface KubeUser {
  name: string;
  token?: string | undefined;
  tokenFile?: string | undefined;
  certData?: string | undefined;
  certFile?: string | undefined;
  keyData?: string | undefined;
  keyFile?: string | undefined;
  username?: string | undefined;
  password?: string | undefined;
  impersonateUser?: string | undefined;
  // biome-ignore lint/suspicious/noExplicitAny: same shape as client-node's `exec` (an ExecCredential config)
  exec?: any;
  // biome-ignore lint/suspicious/noExplicitAny: same shape as client-node's `authProvider`
  authProvider?: any;
}

/** A kubeconfig context, with client-node's field names. */
export interface KubeContext {
  name: string;
  cluster: string;
  user: string;
  namespace?: string | undefined;
}

/** The request options {@link KubeConfigLike.applyToHTTPSOptions} fills in (TLS material and headers). */
export interface KubeRequestOptions {
  headers?: Record<string, string | string[] | number | undefined> | undefined;
  ca?: string | Buffer | Array<string | Buffer> | undefined;
  cert?: string | Buffer | Array<string | Buffer> | undefined;
  key?: string | Buffer | Array<string | Buffer> | undefined;
  rejectUnauthorized?: boolean | undefined;
  servername?: string | undefined;
  auth?: string | null | undefined;
  // biome-ignore lint/suspicious/noExplicitAny: client-node sets an Agent here; the runtime replaces it
  agent?: any;
}

/**
 * What the runtime needs of a kubeconfig. Both {@link KubeConfig} and @kubernetes/client-node's `KubeConfig`
 * fit, so callers may pass either.
 */
export interface KubeConfigLike {
  readonly clusters: readonly KubeCluster[];
  readonly users: readonly KubeUser[];
  readonly contexts: readonly KubeContext[];
  getCurrentContext(): string;
  getContextObject(name: string): KubeContext | null;
  getCurrentCluster(): KubeCluster | null;
  getCurrentUser(): KubeUser | null;
  /** Adds TLS material and auth headers for the current context to `opts`. */
  // biome-ignore lint/suspicious/noExplicitAny: client-node takes https or WebSocket options
  applyToHTTPSOptions(opts: any): Promise<void>;
  /** The kubeconfig as JSON text (helm and kubectl read it). */
  exportConfig(): string;
}

const SERVICE_ACCOUNT_DIR = "/var/run/secrets/kubernetes.io/serviceaccount";

/** How often a `tokenFile` is re-read (projected service-account tokens rotate). */
const TOKEN_FILE_TTL_MS = 60_000;

/**
 * A kubeconfig: load it from a file, `$KUBECONFIG`/`~/.kube/config`, the in-cluster service account, a
 * string or options; then {@link applyToHTTPSOptions} gives the TLS material and the `Authorization` header
 * (token, token file, client certificate, basic auth, exec credential plugin) of the current context.
 * `auth-provider` plugins (gcp, azure, oidc) are not supported: use exec plugins.
 */
export class KubeConfig implements KubeConfigLike {
  clusters: KubeCluster[] = [];
  users: KubeUser[] = [];
  contexts: KubeContext[] = [];
  currentContext = "";
  private readonly tokenFiles = new Map<string, { token: string; readAt: number }>();

  /** Loads the kubeconfig at `file` (relative paths in it resolve against its directory). */
  loadFromFile(file: string): void {
    this.loadFromString(readFileSync(file, "utf8"));
    this.makePathsAbsolute(dirname(file));
  }

  /** Loads `$KUBECONFIG` (first file), else `~/.kube/config`, else the in-cluster service account. */
  loadFromDefault(): void {
    const fromEnv = process.env["KUBECONFIG"]?.split(delimiter).find((f) => f !== "");
    if (fromEnv) {
      this.loadFromFile(fromEnv);
      return;
    }
    const home = join(process.env["HOME"] ?? homedir(), ".kube", "config");
    try {
      this.loadFromFile(home);
      return;
    } catch (err: unknown) {
      if ((err as NodeJS.ErrnoException).code !== "ENOENT") throw err;
    }
    if (process.env["KUBERNETES_SERVICE_HOST"]) {
      this.loadFromCluster();
      return;
    }
    throw new Error(`no kubeconfig: $KUBECONFIG is unset, ${home} does not exist and not running in a cluster`);
  }

  /** Loads the in-cluster config: `$KUBERNETES_SERVICE_HOST`/`_PORT` and the mounted service-account token. */
  loadFromCluster(pathPrefix = ""): void {
    const host = process.env["KUBERNETES_SERVICE_HOST"] ?? "";
    const port = process.env["KUBERNETES_SERVICE_PORT"] ?? "443";
    const server = `https://${host.includes(":") ? `[${host}]` : host}:${port}`;
    const dir = `${pathPrefix}${SERVICE_ACCOUNT_DIR}`;
    let namespace: string | undefined;
    try {
      namespace = readFileSync(`${dir}/namespace`, "utf8").trim() || undefined;
    } catch {
      namespace = undefined;
    }
    this.loadFromOptions({
      clusters: [{ name: "inCluster", server, caFile: `${dir}/ca.crt` }],
      users: [{ name: "inClusterUser", tokenFile: `${dir}/token` }],
      contexts: [{ name: "inClusterContext", cluster: "inCluster", user: "inClusterUser", namespace }],
      currentContext: "inClusterContext",
    });
  }

  /** Parses kubeconfig YAML/JSON text. Throws naming the first invalid entry. */
  loadFromString(text: string): void {
    const doc = parseYaml(text) as Record<string, unknown> | null;
    if (!doc || typeof doc !== "object") throw new Error("kubeconfig is empty or not a mapping");
    this.clusters = entries(doc["clusters"], "clusters", "cluster").map(({ name, body }) => {
      const server = body["server"];
      if (typeof server !== "string" || server === "") throw new Error(`clusters[${name}].cluster.server is required`);
      return {
        name,
        server: server.replace(/\/+$/, ""),
        caData: str(body["certificate-authority-data"]),
        caFile: str(body["certificate-authority"]),
        skipTLSVerify: body["insecure-skip-tls-verify"] === true,
        tlsServerName: str(body["tls-server-name"]),
        proxyUrl: str(body["proxy-url"]),
      };
    });
    this.users = entries(doc["users"], "users", "user").map(({ name, body }) => ({
      name,
      token: str(body["token"]),
      tokenFile: str(body["tokenFile"]),
      certData: str(body["client-certificate-data"]),
      certFile: str(body["client-certificate"]),
      keyData: str(body["client-key-data"]),
      keyFile: str(body["client-key"]),
      username: str(body["username"]),
      password: str(body["password"]),
      impersonateUser: str(body["as"]),
      exec: body["exec"],
      authProvider: body["auth-provider"],
    }));
    this.contexts = entries(doc["contexts"], "contexts", "context").map(({ name, body }) => ({
      name,
      cluster: str(body["cluster"]) ?? "",
      user: str(body["user"]) ?? "",
      namespace: str(body["namespace"]),
    }));
    this.currentContext = str(doc["current-context"]) ?? "";
  }

  /** Sets clusters, users, contexts and the current context directly. */
  loadFromOptions(options: {
    clusters: readonly KubeCluster[];
    users: readonly KubeUser[];
    contexts: readonly KubeContext[];
    currentContext: string;
  }): void {
    this.clusters = [...options.clusters];
    this.users = [...options.users];
    this.contexts = [...options.contexts];
    this.currentContext = options.currentContext;
  }

  /** The current context's name. */
  getCurrentContext(): string {
    return this.currentContext;
  }

  /** Switches the current context. */
  setCurrentContext(name: string): void {
    this.currentContext = name;
  }

  /** The context named `name`, or null. */
  getContextObject(name: string): KubeContext | null {
    return this.contexts.find((c) => c.name === name) ?? null;
  }

  /** The current context's cluster, or null. */
  getCurrentCluster(): KubeCluster | null {
    const context = this.getContextObject(this.currentContext);
    return (context && this.clusters.find((c) => c.name === context.cluster)) ?? null;
  }

  /** The current context's user, or null. */
  getCurrentUser(): KubeUser | null {
    const context = this.getContextObject(this.currentContext);
    return (context && this.users.find((u) => u.name === context.user)) ?? null;
  }

  /** Adds the current context's TLS material and `Authorization`/`Impersonate-User` headers to `opts`. */
  async applyToHTTPSOptions(opts: KubeRequestOptions): Promise<void> {
    const cluster = this.getCurrentCluster();
    const user = this.getCurrentUser();
    if (cluster?.skipTLSVerify) opts.rejectUnauthorized = false;
    if (cluster?.tlsServerName) opts.servername = cluster.tlsServerName;
    const ca = material(cluster?.caData, cluster?.caFile);
    if (ca) opts.ca = ca;
    if (!user) return;
    const cert = material(user.certData, user.certFile);
    if (cert) opts.cert = cert;
    const key = material(user.keyData, user.keyFile);
    if (key) opts.key = key;
    opts.headers ??= {};
    if (user.impersonateUser) opts.headers["Impersonate-User"] = user.impersonateUser;
    const token = await this.bearerToken(user);
    if (token) opts.headers["Authorization"] = `Bearer ${token}`;
    else if (user.username) opts.auth = `${user.username}:${user.password ?? ""}`;
  }

  /** The kubeconfig as JSON text (valid YAML for helm and kubectl). */
  exportConfig(): string {
    return JSON.stringify({
      apiVersion: "v1",
      kind: "Config",
      clusters: this.clusters.map((c) => ({
        name: c.name,
        cluster: prune({
          server: c.server,
          "certificate-authority-data": c.caData,
          "certificate-authority": c.caFile,
          "insecure-skip-tls-verify": c.skipTLSVerify || undefined,
          "tls-server-name": c.tlsServerName,
          "proxy-url": c.proxyUrl,
        }),
      })),
      users: this.users.map((u) => ({
        name: u.name,
        user: prune({
          token: u.token,
          tokenFile: u.tokenFile,
          "client-certificate-data": u.certData,
          "client-certificate": u.certFile,
          "client-key-data": u.keyData,
          "client-key": u.keyFile,
          username: u.username,
          password: u.password,
          as: u.impersonateUser,
          exec: u.exec,
          "auth-provider": u.authProvider,
        }),
      })),
      contexts: this.contexts.map((c) => ({
        name: c.name,
        context: prune({ cluster: c.cluster, user: c.user, namespace: c.namespace }),
      })),
      "current-context": this.currentContext,
    });
  }

  private async bearerToken(user: KubeUser): Promise<string | undefined> {
    if (user.authProvider) {
      throw new Error(`kubeconfig user ${user.name}: auth-provider plugins are not supported, use an exec plugin`);
    }
    if (user.exec) return execCredentialToken(user.exec as ExecCredentialConfig, this.getCurrentCluster());
    if (user.token) return user.token;
    if (user.tokenFile) {
      const cached = this.tokenFiles.get(user.tokenFile);
      if (cached && Date.now() - cached.readAt < TOKEN_FILE_TTL_MS) return cached.token;
      const token = readFileSync(user.tokenFile, "utf8").trim();
      this.tokenFiles.set(user.tokenFile, { token, readAt: Date.now() });
      return token;
    }
    return undefined;
  }

  private makePathsAbsolute(root: string): void {
    const abs = (p: string | undefined) => (p && !isAbsolute(p) ? join(root, p) : p);
    for (const c of this.clusters) c.caFile = abs(c.caFile);
    for (const u of this.users) {
      u.certFile = abs(u.certFile);
      u.keyFile = abs(u.keyFile);
      u.tokenFile = abs(u.tokenFile);
    }
  }
}

function entries(value: unknown, list: string, field: string): Array<{ name: string; body: Record<string, unknown> }> {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) throw new Error(`kubeconfig ${list} must be a list`);
  return value.map((item: unknown, i) => {
    const entry = (item ?? {}) as Record<string, unknown>;
    const name = entry["name"];
    if (typeof name !== "string" || name === "") throw new Error(`kubeconfig ${list}[${i}].name is required`);
    const body = entry[field];
    if (body !== undefined && (body === null || typeof body !== "object")) {
      throw new Error(`kubeconfig ${list}[${name}].${field} must be a mapping`);
    }
    return { name, body: (body ?? {}) as Record<string, unknown> };
  });
}

function str(value: unknown): string | undefined {
  return typeof value === "string" && value !== "" ? value : undefined;
}

function material(data: string | undefined, file: string | undefined): Buffer | undefined {
  if (data) return Buffer.from(data, "base64");
  if (file) return readFileSync(file);
  return undefined;
}

function prune(obj: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(obj).filter(([, v]) => v !== undefined));
}
