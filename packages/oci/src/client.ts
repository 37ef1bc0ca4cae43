// A small OCI Distribution (Docker Registry HTTP API v2) client: resolve a tag or digest to a manifest,
// list tags, stream blobs with sha256 verification, and push blobs and manifests. Authenticates as
// registries ask in their `WWW-Authenticate` challenge: basic auth, or the Bearer token flow (token endpoint
// with basic credentials or an identity token, anonymous otherwise). Plain HTTP only with `insecure`.

import { createHash } from "node:crypto";
import type { IncomingHttpHeaders } from "node:http";
import type { Readable } from "node:stream";
import { type AuthChallenge, parseChallenge } from "./challenge.js";
import type { RegistryCredentials } from "./credentials.js";
import { DigestVerifier } from "./digest-verifier.js";
import { OciDigestMismatchError, OciInputError, OciRegistryError, OciTransportError } from "./errors.js";
import { DOCKER_MANIFEST_LIST, MANIFEST_ACCEPT, OCI_INDEX } from "./media-types.js";
import type { ProxyOptions } from "./proxy.js";
import { isValidDigest } from "./reference.js";
import { registryError } from "./registry-error.js";
import { type OciTlsOptions, readAll, send, type TransportRequest, type TransportResponse } from "./transport.js";

/** An OCI content descriptor. */
export interface OciDescriptor {
  mediaType: string;
  digest: string;
  size: number;
  annotations?: Record<string, string> | undefined;
  artifactType?: string | undefined;
  platform?: { os?: string; architecture?: string; variant?: string } | undefined;
}

/** An OCI image manifest (or Docker v2 schema 2 manifest). */
export interface OciImageManifest {
  schemaVersion: number;
  mediaType?: string | undefined;
  artifactType?: string | undefined;
  config: OciDescriptor;
  layers: OciDescriptor[];
  annotations?: Record<string, string> | undefined;
}

/** An OCI image index (or Docker manifest list). */
export interface OciImageIndex {
  schemaVersion: number;
  mediaType?: string | undefined;
  manifests: OciDescriptor[];
  annotations?: Record<string, string> | undefined;
}

/** What a manifest HEAD tells: digest, media type and size, without the body. */
export interface ManifestHead {
  digest: string;
  mediaType: string;
  size: number;
}

/** A fetched, digest-verified manifest. */
export interface FetchedManifest {
  /** `sha256:<hex>` of {@link bytes}. */
  digest: string;
  mediaType: string;
  /** The exact bytes the registry served. */
  bytes: Buffer;
  /** The parsed document (image manifest or index, see {@link isIndex}). */
  document: OciImageManifest | OciImageIndex;
}

/** Options of an {@link OciClient}. */
export interface OciClientOptions {
  /** `host[:port]` of the registry. */
  registry: string;
  /**
   * `spec.insecure`: allow a plain-HTTP registry. The first request probes `https://<registry>/v2/`; when TLS
   * can't be spoken there, the client uses `http://` (go-containerregistry's fallback for insecure registries).
   */
  insecure?: boolean | undefined;
  /** Use `http://` without probing HTTPS (a registry known to be plain HTTP, e.g. `helm --plain-http`). */
  plainHttp?: boolean | undefined;
  /** Credentials for this registry (none: anonymous, which still gets anonymous Bearer tokens). */
  credentials?: RegistryCredentials | undefined;
  /** TLS CA / client certificate (`certSecretRef`). */
  tls?: OciTlsOptions | undefined;
  /** HTTP proxy every request goes through (`proxySecretRef`). */
  proxy?: ProxyOptions | undefined;
  /** Aborts every request (e.g. `AbortSignal.timeout(spec.timeout)`). */
  signal?: AbortSignal | undefined;
  /** `User-Agent` header (default `sluice`; controllers pass their name). */
  userAgent?: string | undefined;
}

/** Largest manifest accepted (as go-containerregistry: 4 MiB). */
export const MAX_MANIFEST_SIZE = 4 * 1024 * 1024;
const TAGS_PAGE_SIZE = 1000;

/** True when a fetched manifest is an index (multi-platform). */
export function isIndex(doc: OciImageManifest | OciImageIndex): doc is OciImageIndex {
  return Array.isArray((doc as OciImageIndex).manifests);
}

/** `sha256:<hex>` of `data`. */
export function sha256Digest(data: Buffer | string): string {
  return `sha256:${createHash("sha256").update(data).digest("hex")}`;
}

type Action = "pull" | "pull,push";

/**
 * A client for one registry. Reuses Bearer tokens per repository scope for its lifetime; create one per
 * reconcile. Every failure throws a typed error: {@link OciRegistryError} (registry answer, with
 * `unauthorized`/`notFound`), {@link OciDigestMismatchError}, `OciTransportError` (connection/TLS/timeout).
 */
export class OciClient {
  readonly registry: string;
  #base: string | undefined;
  private readonly tokens = new Map<string, string>();
  private basicOnly = false;

  constructor(private readonly options: OciClientOptions) {
    this.registry = options.registry;
    if (options.plainHttp) this.#base = `http://${options.registry}`;
    else if (!options.insecure) this.#base = `https://${options.registry}`;
  }

  /**
   * HEADs the manifest `reference` (tag or digest) of `repository`. Returns its digest from
   * `Docker-Content-Digest`; when the registry doesn't send it (or HEAD fails), GETs the manifest and digests
   * the bytes, as Flux does.
   */
  async headManifest(repository: string, reference: string): Promise<ManifestHead> {
    const url = await this.url(`/v2/${repository}/manifests/${reference}`);
    const res = await this.request(repository, "pull", { method: "HEAD", url, headers: { Accept: MANIFEST_ACCEPT } });
    res.body.resume();
    const digest = header(res.headers, "docker-content-digest");
    if (res.status === 200 && digest && isValidDigest(digest)) {
      if (isValidDigest(reference) && digest !== reference) {
        throw new OciDigestMismatchError(`HEAD ${url}: registry answered digest ${digest} for ${reference}`);
      }
      return {
        digest,
        mediaType: contentType(res.headers),
        size: Number(header(res.headers, "content-length") ?? 0),
      };
    }
    const fetched = await this.getManifest(repository, reference);
    return { digest: fetched.digest, mediaType: fetched.mediaType, size: fetched.bytes.length };
  }

  /**
   * GETs the manifest `reference` (tag or digest) of `repository` and verifies its bytes against the
   * requested digest or the `Docker-Content-Digest` header ({@link OciDigestMismatchError} otherwise).
   */
  async getManifest(repository: string, reference: string): Promise<FetchedManifest> {
    const url = await this.url(`/v2/${repository}/manifests/${reference}`);
    const res = await this.request(repository, "pull", { method: "GET", url, headers: { Accept: MANIFEST_ACCEPT } });
    if (res.status !== 200) throw await registryError("GET", res);
    const bytes = await readAll(res.body, MAX_MANIFEST_SIZE, `GET ${url}`);
    const digest = sha256Digest(bytes);
    const announced = header(res.headers, "docker-content-digest");
    if (isValidDigest(reference) && digest !== reference) {
      throw new OciDigestMismatchError(`GET ${url}: manifest digest is ${digest}, want ${reference}`);
    }
    if (announced?.startsWith("sha256:") && announced !== digest) {
      throw new OciDigestMismatchError(`GET ${url}: manifest digest is ${digest}, the registry announced ${announced}`);
    }
    let document: OciImageManifest | OciImageIndex;
    try {
      document = JSON.parse(bytes.toString("utf8")) as OciImageManifest | OciImageIndex;
    } catch (err: unknown) {
      throw new OciInputError(`GET ${url}: manifest is not JSON: ${(err as Error).message}`);
    }
    const mediaType = document.mediaType ?? contentType(res.headers);
    if (!isIndex(document) && (!document.config || !Array.isArray(document.layers))) {
      throw new OciInputError(`GET ${url}: unsupported manifest (media type '${mediaType}')`);
    }
    return { digest, mediaType, bytes, document };
  }

  /**
   * The image manifest `reference` points at; an index resolves to its `linux/amd64` entry (or its only
   * entry), as go-containerregistry's default platform does.
   */
  async getImageManifest(
    repository: string,
    reference: string,
  ): Promise<FetchedManifest & { document: OciImageManifest }> {
    const fetched = await this.getManifest(repository, reference);
    const doc = fetched.document;
    if (!isIndex(doc)) return { ...fetched, document: doc };
    const pick =
      doc.manifests.find((m) => m.platform?.os === "linux" && m.platform.architecture === "amd64") ??
      (doc.manifests.length === 1 ? doc.manifests[0] : undefined);
    if (!pick) {
      throw new OciInputError(
        `${repository}@${fetched.digest} is an index (${fetched.mediaType}) without a linux/amd64 manifest`,
      );
    }
    const inner = await this.getManifest(repository, pick.digest);
    if (isIndex(inner.document)) {
      throw new OciInputError(`${repository}@${pick.digest}: nested ${OCI_INDEX}/${DOCKER_MANIFEST_LIST} unsupported`);
    }
    return { ...inner, document: inner.document };
  }

  /** Every tag of `repository`, `pageSize` per request, following `Link: <…>; rel="next"` pagination. */
  async listTags(repository: string, pageSize = TAGS_PAGE_SIZE): Promise<string[]> {
    const tags: string[] = [];
    let url: URL | undefined = await this.url(`/v2/${repository}/tags/list?n=${pageSize}`);
    for (let page = 0; url && page < 10_000; page++) {
      const res = await this.request(repository, "pull", {
        method: "GET",
        url,
        headers: { Accept: "application/json" },
      });
      if (res.status !== 200) throw await registryError("GET", res);
      const body = JSON.parse((await readAll(res.body, 32 * 1024 * 1024, `GET ${url}`)).toString("utf8")) as {
        tags?: string[] | null;
      };
      tags.push(...(body.tags ?? []));
      const next = /<([^>]+)>\s*;\s*rel="?next"?/.exec(header(res.headers, "link") ?? "")?.[1];
      url = next ? new URL(next, url) : undefined;
    }
    return tags;
  }

  /**
   * Streams blob `descriptor.digest` of `repository`. The stream errors with {@link OciDigestMismatchError}
   * when the bytes don't hash to the digest, or exceed `descriptor.size` (when given) or `maxSize`.
   */
  async fetchBlob(
    repository: string,
    descriptor: Pick<OciDescriptor, "digest"> & { size?: number | undefined },
    options: { maxSize?: number | undefined } = {},
  ): Promise<Readable> {
    if (!isValidDigest(descriptor.digest)) {
      throw new OciInputError(`blob digest '${descriptor.digest}' is not sha256:<64 hex>`);
    }
    const url = await this.url(`/v2/${repository}/blobs/${descriptor.digest}`);
    const res = await this.request(repository, "pull", { method: "GET", url });
    if (res.status !== 200) throw await registryError("GET", res);
    const verifier = new DigestVerifier(descriptor.digest, descriptor.size, options.maxSize, `GET ${url}`);
    res.body.on("error", (err) => verifier.destroy(err));
    // A consumer that gives up (e.g. an unsafe archive) must not leave the download running.
    verifier.once("close", () => {
      if (!res.body.readableEnded) res.body.destroy();
    });
    return res.body.pipe(verifier);
  }

  /** Reads a whole blob (verified), for small blobs such as configs. */
  async readBlob(
    repository: string,
    descriptor: Pick<OciDescriptor, "digest"> & { size?: number | undefined },
    maxSize = MAX_MANIFEST_SIZE,
  ): Promise<Buffer> {
    const stream = await this.fetchBlob(repository, descriptor, { maxSize });
    const chunks: Buffer[] = [];
    for await (const c of stream) chunks.push(c as Buffer);
    return Buffer.concat(chunks);
  }

  /** Uploads `data` as a blob (skipped when the registry has it) and returns its descriptor. */
  async pushBlob(repository: string, data: Buffer, mediaType: string): Promise<OciDescriptor> {
    const digest = sha256Digest(data);
    const blobUrl = await this.url(`/v2/${repository}/blobs/${digest}`);
    const head = await this.request(repository, "pull,push", { method: "HEAD", url: blobUrl });
    head.body.resume();
    if (head.status === 200) return { mediaType, digest, size: data.length };
    const start = await this.request(repository, "pull,push", {
      method: "POST",
      url: await this.url(`/v2/${repository}/blobs/uploads/`),
    });
    if (start.status !== 202) throw await registryError("POST", start);
    start.body.resume();
    const location = header(start.headers, "location");
    if (!location) throw new OciRegistryError(`POST ${start.url}: upload started without a Location`, start.status);
    const put = new URL(location, start.url);
    put.searchParams.set("digest", digest);
    const res = await this.request(repository, "pull,push", {
      method: "PUT",
      url: put,
      headers: { "Content-Type": "application/octet-stream" },
      body: data,
    });
    if (res.status !== 201) throw await registryError("PUT", res);
    res.body.resume();
    return { mediaType, digest, size: data.length };
  }

  /** PUTs manifest `bytes` under `reference` (tag or digest); returns the manifest digest. */
  async pushManifest(repository: string, reference: string, bytes: Buffer, mediaType: string): Promise<string> {
    const res = await this.request(repository, "pull,push", {
      method: "PUT",
      url: await this.url(`/v2/${repository}/manifests/${reference}`),
      headers: { "Content-Type": mediaType },
      body: bytes,
    });
    if (res.status !== 201) throw await registryError("PUT", res);
    res.body.resume();
    return sha256Digest(bytes);
  }

  /** `scheme://registry` with the scheme settled (see {@link OciClientOptions.insecure}). */
  async baseUrl(): Promise<string> {
    if (this.#base) return this.#base;
    const https = `https://${this.registry}`;
    try {
      const res = await send({
        method: "GET",
        url: new URL(`${https}/v2/`),
        tls: this.options.tls,
        proxy: this.options.proxy,
        signal: this.options.signal,
      });
      res.body.resume();
      this.#base = https;
    } catch (err: unknown) {
      if (!(err instanceof OciTransportError) || this.options.signal?.aborted) throw err;
      this.#base = `http://${this.registry}`;
    }
    return this.#base;
  }

  private async url(path: string): Promise<URL> {
    return new URL(`${await this.baseUrl()}${path}`);
  }

  /** Sends with the cached authorization; on 401, answers the challenge once and retries. */
  private async request(
    repository: string,
    action: Action,
    req: Omit<TransportRequest, "tls" | "signal">,
  ): Promise<TransportResponse> {
    const scope = `repository:${repository}:${action}`;
    const attempt = (authorization: string | undefined) =>
      send({
        ...req,
        headers: {
          "User-Agent": this.options.userAgent ?? "sluice",
          ...(req.headers ?? {}),
          ...(authorization ? { Authorization: authorization } : {}),
        },
        tls: this.options.tls,
        proxy: this.options.proxy,
        signal: this.options.signal,
      });
    const cached = this.basicOnly ? this.basicHeader() : this.tokens.get(scope);
    const res = await attempt(cached);
    if (res.status !== 401) return res;
    const challenge = parseChallenge(header(res.headers, "www-authenticate"));
    if (!challenge) return res;
    const authorization = await this.authorize(challenge, scope, res);
    if (!authorization || authorization === cached) return res;
    res.body.resume();
    return attempt(authorization);
  }

  private basicHeader(): string | undefined {
    const c = this.options.credentials;
    if (!c || !("username" in c)) return undefined;
    return `Basic ${Buffer.from(`${c.username}:${c.password}`).toString("base64")}`;
  }

  private async authorize(
    challenge: AuthChallenge,
    scope: string,
    unauthorized: TransportResponse,
  ): Promise<string | undefined> {
    if (challenge.scheme === "basic") {
      this.basicOnly = true;
      return this.basicHeader();
    }
    if (challenge.scheme !== "bearer" || !challenge.params.realm) return undefined;
    const token = await this.fetchToken(challenge, scope, unauthorized);
    const authorization = `Bearer ${token}`;
    this.tokens.set(scope, authorization);
    return authorization;
  }

  /** The Bearer token flow: GET realm?service&scope (basic creds) or POST a refresh token (identity token). */
  private async fetchToken(challenge: AuthChallenge, scope: string, unauthorized: TransportResponse): Promise<string> {
    const realm = new URL(challenge.params.realm ?? "");
    const service = challenge.params.service;
    const scopes = [scope, ...(challenge.params.scope ? [challenge.params.scope] : [])].filter(
      (s, i, all) => all.indexOf(s) === i,
    );
    const creds = this.options.credentials;
    let res: TransportResponse;
    if (creds && "identityToken" in creds) {
      const form = new URLSearchParams({
        grant_type: "refresh_token",
        refresh_token: creds.identityToken,
        client_id: "sluice",
        ...(service ? { service } : {}),
        scope: scopes.join(" "),
      });
      res = await send({
        method: "POST",
        url: realm,
        headers: { "Content-Type": "application/x-www-form-urlencoded" },
        body: Buffer.from(form.toString()),
        tls: this.options.tls,
        proxy: this.options.proxy,
        signal: this.options.signal,
      });
    } else {
      if (service) realm.searchParams.set("service", service);
      for (const s of scopes) realm.searchParams.append("scope", s);
      const basic = this.basicHeader();
      res = await send({
        method: "GET",
        url: realm,
        headers: basic ? { Authorization: basic } : {},
        tls: this.options.tls,
        proxy: this.options.proxy,
        signal: this.options.signal,
      });
    }
    if (res.status !== 200) {
      unauthorized.body.resume();
      throw await registryError(creds && "identityToken" in creds ? "POST" : "GET", res);
    }
    const body = JSON.parse((await readAll(res.body, 1024 * 1024, `token ${realm.origin}`)).toString("utf8")) as {
      token?: string;
      access_token?: string;
    };
    const token = body.token ?? body.access_token;
    if (!token) throw new OciRegistryError(`token endpoint ${redactQuery(realm)} answered without a token`, 401);
    return token;
  }
}

function redactQuery(url: URL): string {
  return `${url.origin}${url.pathname}`;
}

function header(headers: IncomingHttpHeaders, name: string): string | undefined {
  const v = headers[name];
  return Array.isArray(v) ? v[0] : v;
}

function contentType(headers: IncomingHttpHeaders): string {
  return (header(headers, "content-type") ?? "").split(";")[0]?.trim() ?? "";
}
