import { ApiError, apiErrorFromResponse, type Status, StatusReason, toApiError } from "./api-error.js";
import { HttpTransport } from "./http-transport.js";
import type { KubeConfigLike } from "./kube-config.js";
import { type ApiObject, type ObjectRef, parseApiVersion, type UnstructuredObject } from "./object-ref.js";
import { DEFAULT_RATE_LIMIT, type RateLimit, TokenBucket } from "./rate-limiter.js";

/** What discovery says about one kind: its plural resource name and whether it lives in namespaces. */
export interface ApiResource {
  group: string;
  version: string;
  kind: string;
  /** The plural resource name used in URLs (`gitrepositories`). */
  plural: string;
  namespaced: boolean;
  verbs: string[];
}

/** Options of {@link KubeClient.fromKubeConfig}. */
export interface KubeClientOptions {
  /** Client-side rate limit shared by all requests of this client; `false` disables it. Default 50 qps, burst 300. */
  rateLimit?: RateLimit | false;
  /** User-Agent of every request (`kustomize-controller/sluice`); default none (Node's). */
  userAgent?: string | undefined;
}

/** Options of list calls. */
export interface ListOptions {
  namespace?: string;
  labelSelector?: string;
  fieldSelector?: string;
  /** Page size; pages are followed until the list is complete. */
  limit?: number;
}

/** A complete list: its items and the resourceVersion to watch from. */
export interface ObjectList<T> {
  items: T[];
  resourceVersion: string;
}

/** Options common to writes. */
export interface WriteOptions {
  fieldManager?: string;
  dryRun?: boolean;
  /** `status` (or another subresource) to write it instead of the main resource. */
  subresource?: string;
}

/** The patch formats the API server accepts. */
export const PatchType = {
  Merge: "application/merge-patch+json",
  Json: "application/json-patch+json",
  StrategicMerge: "application/strategic-merge-patch+json",
  Apply: "application/apply-patch+yaml",
} as const;
export type PatchTypeName = (typeof PatchType)[keyof typeof PatchType];

/** Options of {@link KubeClient.patch}. */
export interface PatchOptions extends WriteOptions {
  type: PatchTypeName;
  /** Only for server-side apply: take ownership of conflicting fields. */
  force?: boolean;
}

/** Options of {@link KubeClient.apply}. */
export interface ServerSideApplyOptions extends WriteOptions {
  fieldManager: string;
  force?: boolean;
}

/** Options of {@link KubeClient.delete}. */
export interface DeleteRequestOptions {
  propagationPolicy?: "Orphan" | "Background" | "Foreground";
  gracePeriodSeconds?: number;
  dryRun?: boolean;
  /** Delete only if the object still has this uid / resourceVersion. */
  preconditions?: { uid?: string; resourceVersion?: string };
}

/** Low-level request description for {@link KubeClient.request}. */
export interface RawRequest {
  method: "GET" | "POST" | "PUT" | "PATCH" | "DELETE";
  path: string;
  query?: Record<string, string | number | boolean | undefined>;
  body?: unknown;
  contentType?: string;
}

/** One entry of an APIResourceList (discovery). */
interface DiscoveredResource {
  name: string;
  kind: string;
  namespaced: boolean;
  verbs?: string[];
}

/**
 * Plain-JSON requests over {@link HttpTransport} with the client's rate limit and cached discovery; every
 * failure is an {@link ApiError}.
 */
class ObjectTransport {
  limiter: TokenBucket | undefined;
  readonly http: HttpTransport;
  private readonly discovery = new Map<string, DiscoveredResource[]>();

  constructor(kubeConfig: KubeConfigLike, userAgent?: string) {
    this.http = new HttpTransport(kubeConfig, userAgent);
  }

  /** The resource serving `kind` in `apiVersion`; discovery is cached per apiVersion and refreshed on a miss. */
  async discover(apiVersion: string, kind: string): Promise<DiscoveredResource | undefined> {
    const cached = this.discovery.get(apiVersion)?.find((r) => r.kind === kind && !r.name.includes("/"));
    if (cached) return cached;
    let list: { resources?: DiscoveredResource[] };
    try {
      list = (await this.send({ method: "GET", path: apiVersionPath(apiVersion) })) as typeof list;
    } catch (err: unknown) {
      const apiError = toApiError(err);
      throw new ApiError({
        status: apiError.status,
        reason: apiError.reason,
        message: `Failed to fetch resource metadata for ${apiVersion}/${kind}: ${apiError.message}`,
        ...(apiError.details ? { details: apiError.details } : {}),
        cause: err,
      });
    }
    const resources = list?.resources ?? [];
    this.discovery.set(apiVersion, resources);
    return resources.find((r) => r.kind === kind && !r.name.includes("/"));
  }

  async send(req: RawRequest): Promise<unknown> {
    await this.limiter?.acquire();
    let response: { status: number; text: string };
    try {
      response = await this.http.send({
        method: req.method,
        path: req.path,
        query: req.query,
        ...(req.body !== undefined
          ? {
              body: typeof req.body === "string" ? req.body : JSON.stringify(req.body),
              contentType: req.contentType ?? "application/json",
            }
          : {}),
      });
    } catch (err: unknown) {
      throw toApiError(err);
    }
    if (response.status >= 200 && response.status <= 299) {
      if (response.text.trim() === "") return undefined;
      return JSON.parse(response.text);
    }
    throw apiErrorFromResponse(response.status, response.text);
  }

  /** Closes pooled connections. */
  closeConnections(): void {
    this.http.close();
  }
}

function apiVersionPath(apiVersion: string): string {
  return apiVersion.includes("/") ? `/apis/${apiVersion}` : `/api/${apiVersion}`;
}

/**
 * A typed client for any group/version/kind, speaking HTTP(S) itself (discovery cached per apiVersion, auth and
 * TLS from the kubeconfig). Objects go in and come out as plain JSON; every failure is an {@link ApiError}.
 * One instance per process carries the API rate limit.
 */
export class KubeClient {
  private constructor(
    /** The kubeconfig this client talks through (watches use it too). */
    readonly kubeConfig: KubeConfigLike,
    private readonly transport: ObjectTransport,
    /** The namespace used for namespaced objects that name none (the kubeconfig context's, else `default`). */
    readonly defaultNamespace: string,
  ) {}

  /** Makes a client for the current context of a kubeconfig (ours or client-node's). */
  static fromKubeConfig(kubeConfig: KubeConfigLike, options: KubeClientOptions = {}): KubeClient {
    const transport = new ObjectTransport(kubeConfig, options.userAgent);
    const contextNamespace = kubeConfig.getContextObject(kubeConfig.getCurrentContext())?.namespace;
    const rateLimit = options.rateLimit === undefined ? DEFAULT_RATE_LIMIT : options.rateLimit;
    transport.limiter = rateLimit === false ? undefined : new TokenBucket(rateLimit);
    return new KubeClient(kubeConfig, transport, contextNamespace || "default");
  }

  /** The HTTP transport (auth, TLS, pooled connections) of this client; watches use it. */
  get http(): HttpTransport {
    return this.transport.http;
  }

  /** Discovery facts of a kind; throws ApiError `NotFound` when the server does not serve it. */
  async resourceFor(apiVersion: string, kind: string): Promise<ApiResource> {
    const found = await this.transport.discover(apiVersion, kind);
    if (!found) {
      throw new ApiError({
        status: 404,
        reason: StatusReason.NotFound,
        message: `the server does not serve kind ${kind} in ${apiVersion}`,
        details: { kind, group: parseApiVersion(apiVersion).group },
      });
    }
    const gv = parseApiVersion(apiVersion);
    return {
      ...gv,
      kind,
      plural: found.name,
      namespaced: found.namespaced,
      verbs: found.verbs ?? [],
    };
  }

  /**
   * The URL path of a collection (no name) or of one object, optionally a subresource of it. Namespaced kinds
   * without a namespace get the default namespace when a name is given, and address all namespaces otherwise.
   */
  async resourcePath(target: {
    apiVersion: string;
    kind: string;
    namespace?: string | undefined;
    name?: string | undefined;
    subresource?: string | undefined;
  }): Promise<string> {
    const resource = await this.resourceFor(target.apiVersion, target.kind);
    const parts = [apiVersionPath(target.apiVersion)];
    if (resource.namespaced) {
      const namespace = target.namespace ?? (target.name !== undefined ? this.defaultNamespace : undefined);
      if (namespace) parts.push("namespaces", encodeURIComponent(namespace));
    }
    parts.push(resource.plural);
    if (target.name !== undefined) {
      if (target.name === "") throw new TypeError(`${target.kind}: object name is empty`);
      parts.push(encodeURIComponent(target.name));
      if (target.subresource) parts.push(target.subresource);
    }
    return parts.join("/");
  }

  /** Reads one object; throws ApiError `NotFound` when it does not exist. */
  async get<T extends ApiObject = UnstructuredObject>(ref: ObjectRef): Promise<T> {
    const path = await this.resourcePath(ref);
    return (await this.transport.send({ method: "GET", path })) as T;
  }

  /** Reads one object, or undefined when it (or its kind) does not exist. */
  async getOptional<T extends ApiObject = UnstructuredObject>(ref: ObjectRef): Promise<T | undefined> {
    try {
      return await this.get<T>(ref);
    } catch (err: unknown) {
      if (err instanceof ApiError && err.status === 404) return undefined;
      throw err;
    }
  }

  /** Lists a kind (in one namespace or all), following pages until done. */
  async list<T extends ApiObject = UnstructuredObject>(
    apiVersion: string,
    kind: string,
    options: ListOptions = {},
  ): Promise<ObjectList<T>> {
    const path = await this.resourcePath({ apiVersion, kind, namespace: options.namespace });
    const items: T[] = [];
    let continueToken: string | undefined;
    let resourceVersion = "";
    do {
      const page = (await this.transport.send({
        method: "GET",
        path,
        query: {
          labelSelector: options.labelSelector,
          fieldSelector: options.fieldSelector,
          limit: options.limit,
          continue: continueToken,
        },
      })) as { items?: T[] | null; metadata?: { resourceVersion?: string; continue?: string } };
      // List items carry no apiVersion/kind; restore them so every object is self-describing.
      for (const item of page.items ?? []) items.push({ ...item, apiVersion, kind });
      resourceVersion = page.metadata?.resourceVersion ?? resourceVersion;
      continueToken = page.metadata?.continue || undefined;
    } while (continueToken);
    return { items, resourceVersion };
  }

  /** Creates an object; throws ApiError `AlreadyExists` when the name is taken. */
  async create<T extends ApiObject>(obj: T, options: WriteOptions = {}): Promise<T> {
    const path = await this.resourcePath({
      apiVersion: obj.apiVersion,
      kind: obj.kind,
      namespace: obj.metadata.namespace ?? (await this.namespaceIfNamespaced(obj)),
    });
    return (await this.transport.send({
      method: "POST",
      path,
      query: writeQuery(options),
      body: obj,
    })) as T;
  }

  /** Replaces an object (PUT), or its subresource; throws ApiError `Conflict` when resourceVersion is stale. */
  async replace<T extends ApiObject>(obj: T, options: WriteOptions = {}): Promise<T> {
    const path = await this.resourcePath({ ...objectTarget(obj), subresource: options.subresource });
    return (await this.transport.send({ method: "PUT", path, query: writeQuery(options), body: obj })) as T;
  }

  /** Patches an object (or a subresource) with a merge, JSON, strategic-merge or apply patch. */
  async patch<T extends ApiObject = UnstructuredObject>(
    ref: ObjectRef,
    patch: unknown,
    options: PatchOptions,
  ): Promise<T> {
    const path = await this.resourcePath({ ...ref, subresource: options.subresource });
    return (await this.transport.send({
      method: "PATCH",
      path,
      query: { ...writeQuery(options), force: options.force ? true : undefined },
      body: patch,
      contentType: options.type,
    })) as T;
  }

  /** Server-side applies an object (or its `status` with `subresource: "status"`) as `fieldManager`. */
  async apply<T extends ApiObject = UnstructuredObject>(obj: ApiObject, options: ServerSideApplyOptions): Promise<T> {
    return this.patch<T>(objectTarget(obj), obj, { ...options, type: PatchType.Apply });
  }

  /** JSON-merge-patches the `status` subresource. */
  async patchStatus<T extends ApiObject = UnstructuredObject>(
    ref: ObjectRef,
    patch: unknown,
    options: Omit<WriteOptions, "subresource"> = {},
  ): Promise<T> {
    return this.patch<T>(ref, patch, { ...options, type: PatchType.Merge, subresource: "status" });
  }

  /**
   * Deletes an object. Resolves to the object when it lingers (finalizers pending) or the server's Status;
   * throws ApiError `NotFound` when it is already gone.
   */
  async delete(ref: ObjectRef, options: DeleteRequestOptions = {}): Promise<UnstructuredObject | Status> {
    const path = await this.resourcePath(ref);
    const body: Record<string, unknown> = { apiVersion: "v1", kind: "DeleteOptions" };
    if (options.propagationPolicy) body["propagationPolicy"] = options.propagationPolicy;
    if (options.gracePeriodSeconds !== undefined) body["gracePeriodSeconds"] = options.gracePeriodSeconds;
    if (options.preconditions) body["preconditions"] = options.preconditions;
    if (options.dryRun) body["dryRun"] = ["All"];
    // Also as the query parameter: kube-apiserver reads either; some servers only the query.
    return (await this.transport.send({
      method: "DELETE",
      path,
      body,
      ...(options.dryRun ? { query: { dryRun: "All" } } : {}),
    })) as UnstructuredObject | Status;
  }

  /** Closes the client's pooled keep-alive connections (watches are not affected). */
  close(): void {
    this.transport.closeConnections();
  }

  /** Sends any request to the API server through this client's auth and rate limit; returns the parsed JSON. */
  request(req: RawRequest): Promise<unknown> {
    return this.transport.send(req);
  }

  private async namespaceIfNamespaced(obj: ApiObject): Promise<string | undefined> {
    const resource = await this.resourceFor(obj.apiVersion, obj.kind);
    return resource.namespaced ? this.defaultNamespace : undefined;
  }
}

function objectTarget(obj: ApiObject): ObjectRef {
  const name = obj.metadata.name;
  if (!name) throw new TypeError(`${obj.kind}: metadata.name is required`);
  return {
    apiVersion: obj.apiVersion,
    kind: obj.kind,
    name,
    ...(obj.metadata.namespace ? { namespace: obj.metadata.namespace } : {}),
  };
}

function writeQuery(options: WriteOptions): Record<string, string | undefined> {
  return {
    fieldManager: options.fieldManager,
    dryRun: options.dryRun ? "All" : undefined,
  };
}
