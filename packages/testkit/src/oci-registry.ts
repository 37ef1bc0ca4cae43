// A real OCI registry for tests: Debian's `docker-registry` (CNCF Distribution v2.8) on 127.0.0.1 and a free
// port with filesystem storage in a temp dir, optional htpasswd basic auth (bcrypt) and optional TLS; plus a
// small Distribution-API pusher so tests can publish artifacts (blobs, image/artifact manifests, tags).

import { execFile, spawn } from "node:child_process";
import { createHash, createPrivateKey, createPublicKey, sign as cryptoSign, randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import {
  createServer as createHttpServer,
  request as httpRequest,
  type IncomingMessage,
  type ServerResponse,
} from "node:http";
import { request as httpsRequest } from "node:https";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import bcrypt from "bcryptjs";

/** Where Debian installs CNCF Distribution's registry binary. */
export const DOCKER_REGISTRY_PATH = "/usr/bin/docker-registry";

/** OCI image manifest media type. */
export const OCI_MANIFEST_MEDIA_TYPE = "application/vnd.oci.image.manifest.v1+json";
/** OCI empty config media type (artifacts without a config). */
export const OCI_EMPTY_CONFIG_MEDIA_TYPE = "application/vnd.oci.empty.v1+json";
/** Media type of Flux's (`flux push artifact`) config blob. */
export const FLUX_CONFIG_MEDIA_TYPE = "application/vnd.cncf.flux.config.v1+json";
/** Media type of Flux's tar.gz content layer. */
export const FLUX_CONTENT_MEDIA_TYPE = "application/vnd.cncf.flux.content.v1.tar+gzip";

/** True when the `docker-registry` binary is installed. */
export function hasDockerRegistry(): boolean {
  return existsSync(DOCKER_REGISTRY_PATH);
}

/** Options of {@link startOciRegistry}. */
export interface OciRegistryOptions {
  /** Require these basic credentials (htpasswd, bcrypt) for every request. */
  auth?: { username: string; password: string } | undefined;
  /** Serve HTTPS with this PEM key/certificate (e.g. from `createTestPki()`). */
  tls?: { key: string; cert: string } | undefined;
  /**
   * Bearer token auth (Distribution's `auth.token`): a token server on 127.0.0.1 issues signed JWTs for the
   * requested scopes to clients sending these basic credentials (anonymous and wrong credentials get 401).
   */
  tokenAuth?: TokenAuthOptions | undefined;
}

/** Who the test token server issues tokens to. */
export interface TokenAuthOptions {
  /** Basic credentials accepted on `GET /token`. */
  username: string;
  password: string;
  /** OAuth2 refresh token (a Docker config `identitytoken`) accepted on `POST /token` (grant_type=refresh_token). */
  refreshToken?: string | undefined;
}

/** A running registry. */
export interface OciRegistry {
  /** `127.0.0.1:<port>`: the registry host as used in `oci://<host>/<repo>` URLs. */
  host: string;
  /** `http(s)://127.0.0.1:<port>` (no trailing slash). */
  url: string;
  /** The registry's storage and config directory. */
  dir: string;
  /** With `tokenAuth`: the token endpoint URL and the requests it answered. */
  tokenServer?: { url: string; requests: TokenRequest[] } | undefined;
  /**
   * The requests the registry served so far, from its access log (in order; the log line is written when
   * the response is complete).
   */
  requests: RegistryRequest[];
  /** Stops the registry process and removes its directory. */
  stop(): Promise<void>;
}

/**
 * Starts `docker-registry serve` with a generated config on 127.0.0.1 and a free port and waits until
 * `GET /v2/` answers (200, or 401 with `auth`). Retries on a port taken in between. `stop()` kills it (SIGTERM,
 * then SIGKILL after 5 s) and removes the storage.
 */
export async function startOciRegistry(options: OciRegistryOptions = {}): Promise<OciRegistry> {
  const dir = await mkdtemp(join(tmpdir(), "sluice-registry-"));
  try {
    for (let attempt = 0; ; attempt++) {
      const port = await freePort();
      try {
        return await launch(dir, port, options);
      } catch (err: unknown) {
        if (attempt >= 4 || !(err instanceof RegistryStartError) || !err.retryable) throw err;
      }
    }
  } catch (err: unknown) {
    await rm(dir, { recursive: true, force: true });
    throw err;
  }
}

class RegistryStartError extends Error {
  override readonly name = "RegistryStartError";
  constructor(
    message: string,
    readonly retryable: boolean,
  ) {
    super(message);
  }
}

async function launch(dir: string, port: number, options: OciRegistryOptions): Promise<OciRegistry> {
  const lines = [
    "version: 0.1",
    "log:",
    "  level: error",
    "  accesslog:",
    "    disabled: false",
    "storage:",
    "  filesystem:",
    `    rootdirectory: ${JSON.stringify(join(dir, "data"))}`,
    "  delete:",
    "    enabled: true",
    "  maintenance:",
    "    uploadpurging:",
    "      enabled: false",
    "http:",
    `  addr: 127.0.0.1:${port}`,
    `  secret: ${createHash("sha256").update(dir).digest("hex")}`,
  ];
  if (options.tls) {
    await writeFile(join(dir, "tls.key"), options.tls.key, { mode: 0o600 });
    await writeFile(join(dir, "tls.crt"), options.tls.cert);
    lines.push(
      "  tls:",
      `    certificate: ${JSON.stringify(join(dir, "tls.crt"))}`,
      `    key: ${JSON.stringify(join(dir, "tls.key"))}`,
    );
  }
  let tokenServer: TokenServer | undefined;
  if (options.tokenAuth) {
    tokenServer = await startTokenServer(dir, options.tokenAuth);
    lines.push(
      "auth:",
      "  token:",
      `    realm: ${tokenServer.url}`,
      `    service: ${TOKEN_SERVICE}`,
      `    issuer: ${TOKEN_ISSUER}`,
      `    rootcertbundle: ${JSON.stringify(tokenServer.certPath)}`,
    );
  } else if (options.auth) {
    const hash = bcrypt.hashSync(options.auth.password, 5);
    await writeFile(join(dir, "htpasswd"), `${options.auth.username}:${hash}\n`, { mode: 0o600 });
    lines.push("auth:", "  htpasswd:", "    realm: sluice-test", `    path: ${JSON.stringify(join(dir, "htpasswd"))}`);
  }
  const configPath = join(dir, "config.yml");
  await writeFile(configPath, `${lines.join("\n")}\n`);

  const child = spawn(DOCKER_REGISTRY_PATH, ["serve", configPath], {
    stdio: ["ignore", "pipe", "pipe"],
    env: { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: dir },
  });
  const accessLog: RegistryRequest[] = [];
  let pending = "";
  child.stdout.setEncoding("utf8");
  child.stdout.on("data", (d: string) => {
    pending += d;
    let nl = pending.indexOf("\n");
    while (nl >= 0) {
      const entry = parseAccessLine(pending.slice(0, nl));
      if (entry) accessLog.push(entry);
      pending = pending.slice(nl + 1);
      nl = pending.indexOf("\n");
    }
  });
  let stderr = "";
  child.stderr.setEncoding("utf8");
  child.stderr.on("data", (d: string) => {
    stderr = (stderr + d).slice(-8192);
  });
  let exited: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  const exit = new Promise<void>((resolve) => {
    child.once("exit", (code, signal) => {
      exited = { code, signal };
      resolve();
    });
  });
  child.once("error", (err) => {
    stderr += String(err);
  });

  const scheme = options.tls ? "https" : "http";
  const url = `${scheme}://127.0.0.1:${port}`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (exited) {
      await tokenServer?.stop();
      throw new RegistryStartError(
        `docker-registry exited (${exited.code ?? exited.signal}) before serving: ${stderr.trim()}`,
        /address already in use/i.test(stderr),
      );
    }
    const status = await probe(`${url}/v2/`).catch(() => 0);
    if (status === 200 || status === 401) break;
    if (Date.now() > deadline) {
      child.kill("SIGKILL");
      await tokenServer?.stop();
      throw new RegistryStartError(`docker-registry did not answer on ${url} within 60s: ${stderr.trim()}`, false);
    }
    await new Promise((r) => setTimeout(r, 50));
  }

  return {
    host: `127.0.0.1:${port}`,
    url,
    dir,
    requests: accessLog,
    ...(tokenServer ? { tokenServer: { url: tokenServer.url, requests: tokenServer.requests } } : {}),
    async stop() {
      await tokenServer?.stop();
      if (!exited) {
        child.kill("SIGTERM");
        const timer = setTimeout(() => child.kill("SIGKILL"), 5000);
        await exit;
        clearTimeout(timer);
      }
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** A request from the registry's access log. */
export interface RegistryRequest {
  method: string;
  /** The request path with its query. */
  path: string;
  status: number;
}

/** Parses one combined-log-format line (`… "GET /v2/… HTTP/1.1" 200 …`); undefined for other output. */
function parseAccessLine(line: string): RegistryRequest | undefined {
  const m = /"([A-Z]+) (\S+) HTTP\/[\d.]+" (\d{3}) /.exec(line);
  if (!m?.[1] || !m[2] || !m[3]) return undefined;
  return { method: m[1], path: m[2], status: Number(m[3]) };
}

function probe(url: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = (url.startsWith("https:") ? httpsRequest : httpRequest)(
      url,
      { method: "GET", rejectUnauthorized: false, timeout: 2000 },
      (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      },
    );
    req.on("timeout", () => req.destroy(new Error("timeout")));
    req.on("error", reject);
    req.end();
  });
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** One layer (or the config) of a pushed artifact. */
export interface PushBlob {
  mediaType: string;
  data: Buffer;
  /** Layer annotations (e.g. `org.opencontainers.image.title`). */
  annotations?: Record<string, string> | undefined;
}

/** What {@link pushArtifact} publishes. */
export interface PushArtifactOptions {
  /** Repository inside the registry, e.g. `org/app`. */
  repository: string;
  /** Tags to point at the manifest (none: push by digest only). */
  tags?: string[] | undefined;
  /** Layers in order. */
  layers: PushBlob[];
  /** Config blob (default: Flux's config media type with `{}`). */
  config?: PushBlob | undefined;
  /** Manifest annotations (end up in `artifact.metadata`). */
  annotations?: Record<string, string> | undefined;
  /** `artifactType` of the manifest. */
  artifactType?: string | undefined;
  /** Manifest media type (default OCI image manifest; Docker v2 schema2 also works). */
  manifestMediaType?: string | undefined;
  /** Credentials of an auth-enabled registry (sent as basic auth, or to the token realm on a Bearer challenge). */
  auth?: { username: string; password: string } | undefined;
  /** PEM CA to trust for an HTTPS registry. */
  ca?: string | undefined;
}

/** A pushed manifest. */
export interface PushedArtifact {
  /** `sha256:<hex>` of the manifest bytes. */
  digest: string;
  /** The manifest JSON bytes as pushed. */
  manifest: Buffer;
  /** Digests of the layers in order. */
  layerDigests: string[];
}

/** `sha256:<hex>` of `data`. */
export function sha256Digest(data: Buffer | string): string {
  return `sha256:${createHash("sha256").update(data).digest("hex")}`;
}

/**
 * Pushes blobs (monolithic upload: `POST …/blobs/uploads/` then `PUT ?digest=`) and an OCI manifest to
 * `registry` under each tag (or by digest only), with basic or token auth when given. Throws on any non-2xx answer
 * naming the step and the registry's error body.
 */
export async function pushArtifact(
  registry: Pick<OciRegistry, "url">,
  options: PushArtifactOptions,
): Promise<PushedArtifact> {
  const base = `${registry.url}/v2/${options.repository}`;
  const config = options.config ?? { mediaType: FLUX_CONFIG_MEDIA_TYPE, data: Buffer.from("{}") };
  const send = (method: string, url: string, body?: Buffer, headers: Record<string, string> = {}) =>
    call(method, url, body, headers, options);
  const pushBlob = async (blob: PushBlob) => {
    const digest = sha256Digest(blob.data);
    const head = await send("HEAD", `${base}/blobs/${digest}`);
    if (head.status === 200) return { mediaType: blob.mediaType, digest, size: blob.data.length };
    const start = await send("POST", `${base}/blobs/uploads/`);
    if (start.status !== 202 || !start.location) {
      throw new Error(`pushArtifact: starting the blob upload failed: ${start.status} ${start.body}`);
    }
    const loc = new URL(start.location, registry.url);
    loc.searchParams.set("digest", digest);
    const put = await send("PUT", loc.toString(), blob.data, { "Content-Type": "application/octet-stream" });
    if (put.status !== 201) throw new Error(`pushArtifact: uploading blob ${digest} failed: ${put.status} ${put.body}`);
    return {
      mediaType: blob.mediaType,
      digest,
      size: blob.data.length,
      ...(blob.annotations ? { annotations: blob.annotations } : {}),
    };
  };
  const configDesc = await pushBlob(config);
  const layers = [];
  for (const layer of options.layers) layers.push(await pushBlob(layer));
  const mediaType = options.manifestMediaType ?? OCI_MANIFEST_MEDIA_TYPE;
  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType,
      ...(options.artifactType ? { artifactType: options.artifactType } : {}),
      config: configDesc,
      layers,
      ...(options.annotations ? { annotations: options.annotations } : {}),
    }),
  );
  const digest = sha256Digest(manifest);
  const refs = options.tags && options.tags.length > 0 ? options.tags : [digest];
  for (const ref of refs) {
    const put = await send("PUT", `${base}/manifests/${ref}`, manifest, { "Content-Type": mediaType });
    if (put.status !== 201) throw new Error(`pushArtifact: pushing manifest ${ref} failed: ${put.status} ${put.body}`);
  }
  return { digest, manifest, layerDigests: layers.map((l) => l.digest) };
}

/** Deletes the manifest `reference` (a digest) from `repository`. */
export async function deleteManifest(
  registry: Pick<OciRegistry, "url">,
  repository: string,
  digest: string,
  options: Pick<PushArtifactOptions, "auth" | "ca"> = {},
): Promise<void> {
  const res = await call("DELETE", `${registry.url}/v2/${repository}/manifests/${digest}`, undefined, {}, options);
  if (res.status !== 202) throw new Error(`deleteManifest: ${res.status} ${res.body}`);
}

async function call(
  method: string,
  url: string,
  body: Buffer | undefined,
  headers: Record<string, string>,
  options: Pick<PushArtifactOptions, "auth" | "ca">,
): Promise<{ status: number; location: string | undefined; body: string }> {
  const basic = options.auth
    ? `Basic ${Buffer.from(`${options.auth.username}:${options.auth.password}`).toString("base64")}`
    : undefined;
  const first = await exchange(
    method,
    url,
    body,
    { ...headers, ...(basic ? { Authorization: basic } : {}) },
    options.ca,
  );
  const challenge = first.authenticate ?? "";
  if (first.status !== 401 || !/^Bearer /i.test(challenge)) return first;
  // Token auth: ask the realm for a token for the challenged scope, with the basic credentials.
  const params = Object.fromEntries(
    [...challenge.matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1]?.toLowerCase() ?? "", m[2] ?? ""]),
  );
  const realm = new URL(params.realm ?? "");
  if (params.service) realm.searchParams.set("service", params.service);
  if (params.scope) realm.searchParams.set("scope", params.scope);
  const tokenRes = await exchange(
    "GET",
    realm.toString(),
    undefined,
    basic ? { Authorization: basic } : {},
    options.ca,
  );
  if (tokenRes.status !== 200) return tokenRes;
  const token = (JSON.parse(tokenRes.body) as { token?: string }).token ?? "";
  return exchange(method, url, body, { ...headers, Authorization: `Bearer ${token}` }, options.ca);
}

function exchange(
  method: string,
  url: string,
  body: Buffer | undefined,
  headers: Record<string, string>,
  ca: string | undefined,
): Promise<{ status: number; location: string | undefined; authenticate: string | undefined; body: string }> {
  const all: Record<string, string> = { ...headers };
  if (body) all["Content-Length"] = String(body.length);
  return new Promise((resolve, reject) => {
    const req = (url.startsWith("https:") ? httpsRequest : httpRequest)(
      url,
      { method, headers: all, ...(ca ? { ca } : {}) },
      (res: IncomingMessage) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () =>
          resolve({
            status: res.statusCode ?? 0,
            location: res.headers.location,
            authenticate: res.headers["www-authenticate"],
            body: Buffer.concat(chunks).toString("utf8").slice(0, 100_000),
          }),
        );
        res.on("error", reject);
      },
    );
    req.on("error", reject);
    req.end(body);
  });
}

/**
 * Runs the real `helm push <chartTgz> oci://<host>/<path>` (plain HTTP, or `--ca-file` for TLS) with a temp
 * registry config; with `auth`, `helm registry login` first. Returns helm's output.
 */
export async function helmPushChart(
  helmPath: string,
  registry: Pick<OciRegistry, "host" | "url">,
  chartTgz: string,
  path: string,
  options: { auth?: { username: string; password: string } | undefined; caFile?: string | undefined } = {},
): Promise<string> {
  const run = promisify(execFile);
  const home = await mkdtemp(join(tmpdir(), "sluice-helm-push-"));
  try {
    const env = {
      ...process.env,
      HELM_CACHE_HOME: join(home, "cache"),
      HELM_CONFIG_HOME: join(home, "config"),
      HELM_DATA_HOME: join(home, "data"),
      HELM_REGISTRY_CONFIG: join(home, "registry.json"),
    };
    const transport = registry.url.startsWith("https:")
      ? options.caFile
        ? ["--ca-file", options.caFile]
        : ["--insecure-skip-tls-verify"]
      : ["--plain-http"];
    if (options.auth) {
      // The password goes through stdin, never the process arguments.
      await new Promise<void>((resolve, reject) => {
        const child = execFile(
          helmPath,
          [
            "registry",
            "login",
            registry.host,
            "--username",
            options.auth?.username ?? "",
            "--password-stdin",
            ...(registry.url.startsWith("https:")
              ? options.caFile
                ? ["--ca-file", options.caFile]
                : ["--insecure"]
              : ["--plain-http"]),
          ],
          { env },
          (err) => (err ? reject(err) : resolve()),
        );
        child.stdin?.end(options.auth?.password ?? "");
      });
    }
    const { stdout, stderr } = await run(helmPath, ["push", chartTgz, `oci://${registry.host}/${path}`, ...transport], {
      env,
    });
    return `${stdout}${stderr}`;
  } finally {
    await rm(home, { recursive: true, force: true });
  }
}

const TOKEN_SERVICE = "sluice-test-registry";
const TOKEN_ISSUER = "sluice-test-token-issuer";

/** A token request the test token server answered. */
export interface TokenRequest {
  /** `service` query parameter. */
  service: string | undefined;
  /** `scope` query parameters. */
  scopes: string[];
  /** Whether the right basic credentials came with it. */
  authenticated: boolean;
  /** The HTTP status answered. */
  status: number;
}

interface TokenServer {
  url: string;
  certPath: string;
  requests: TokenRequest[];
  stop(): Promise<void>;
}

/**
 * A Docker token server: `GET /token?service=…&scope=repository:<name>:<actions>` with basic credentials
 * answers `{token, access_token}`, an RS256 JWT (header `kid` = libtrust key ID of the signing key, whose
 * self-signed certificate is the registry's `rootcertbundle`) granting the requested actions. `POST /token`
 * with a form `grant_type=refresh_token&refresh_token=…&service=…&scope=…` does the same for the refresh token.
 */
async function startTokenServer(dir: string, credentials: TokenAuthOptions): Promise<TokenServer> {
  const keyPath = join(dir, "token.key");
  const certPath = join(dir, "token.crt");
  await promisify(execFile)("openssl", [
    "req",
    "-x509",
    "-newkey",
    "rsa:2048",
    "-nodes",
    "-keyout",
    keyPath,
    "-out",
    certPath,
    "-days",
    "1",
    "-subj",
    "/CN=sluice test token issuer",
  ]);
  const privateKey = createPrivateKey(await readFile(keyPath));
  const kid = libtrustKeyId(createPublicKey(privateKey).export({ type: "spki", format: "der" }));
  const expected = `Basic ${Buffer.from(`${credentials.username}:${credentials.password}`).toString("base64")}`;
  const requests: TokenRequest[] = [];
  const server = createHttpServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () =>
      answer(req.method ?? "GET", req.url ?? "/", req.headers.authorization, Buffer.concat(chunks), res),
    );
  });
  const answer = (
    method: string,
    path: string,
    authorization: string | undefined,
    body: Buffer,
    res: ServerResponse,
  ): void => {
    const url = new URL(path, "http://127.0.0.1");
    const form = method === "POST" ? new URLSearchParams(body.toString("utf8")) : url.searchParams;
    const authenticated =
      method === "POST"
        ? form.get("grant_type") === "refresh_token" &&
          credentials.refreshToken !== undefined &&
          form.get("refresh_token") === credentials.refreshToken
        : authorization === expected;
    const scopes = form.getAll("scope").flatMap((s) => s.split(" ").filter(Boolean));
    const service = form.get("service") ?? undefined;
    if (url.pathname !== "/token" || !authenticated) {
      requests.push({ service, scopes, authenticated, status: 401 });
      res.writeHead(401, { "Content-Type": "application/json" });
      res.end(JSON.stringify({ errors: [{ code: "UNAUTHORIZED", message: "invalid username or password" }] }));
      return;
    }
    const access = scopes.map((scope) => {
      const [type, ...rest] = scope.split(":");
      const actions = rest.pop() ?? "";
      return { type, name: rest.join(":"), actions: actions.split(",").filter(Boolean) };
    });
    const now = Math.floor(Date.now() / 1000);
    const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString("base64url");
    const signingInput = `${b64({ typ: "JWT", alg: "RS256", kid })}.${b64({
      iss: TOKEN_ISSUER,
      sub: credentials.username,
      aud: service ?? TOKEN_SERVICE,
      exp: now + 300,
      nbf: now - 10,
      iat: now,
      jti: randomBytes(8).toString("hex"),
      access,
    })}`;
    const signature = cryptoSign("sha256", Buffer.from(signingInput), privateKey).toString("base64url");
    const token = `${signingInput}.${signature}`;
    requests.push({ service, scopes, authenticated, status: 200 });
    res.writeHead(200, { "Content-Type": "application/json" });
    res.end(JSON.stringify({ token, access_token: token, expires_in: 300, issued_at: new Date().toISOString() }));
  };
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  const port = typeof address === "object" && address ? address.port : 0;
  return {
    url: `http://127.0.0.1:${port}/token`,
    certPath,
    requests,
    stop: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/** libtrust's key ID: base32 of the first 240 bits of sha256(DER SPKI), in 12 colon-separated groups of 4. */
function libtrustKeyId(spki: Buffer): string {
  const hash = createHash("sha256").update(spki).digest().subarray(0, 30);
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
  let bits = 0;
  let value = 0;
  let out = "";
  for (const byte of hash) {
    value = ((value & 0xff) << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      out += alphabet[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  return (out.match(/.{4}/g) ?? []).join(":");
}
