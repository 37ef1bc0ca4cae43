// The OCI client against the real docker-registry: resolve tags and digests, list tags across pages, stream
// blobs with digest verification (a tampered blob on the registry's disk is caught), push, basic auth,
// TLS with a test CA, and the errors a missing tag, wrong password or unreachable registry produce.

import { readdir, writeFile } from "node:fs/promises";
import { type AddressInfo, createServer, type Socket } from "node:net";
import { join } from "node:path";
import {
  createTestPki,
  FLUX_CONTENT_MEDIA_TYPE,
  type HttpProxy,
  type OciRegistry,
  pushArtifact,
  startHttpProxy,
  startOciRegistry,
} from "@sluice/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  credentialsFor,
  FLUX_CONFIG,
  OciClient,
  OciDigestMismatchError,
  OciRegistryError,
  OciTransportError,
  parseDockerConfig,
  sha256Digest,
} from "../src/index.js";

const auth = { username: "puller", password: "correct-horse" };

async function drain(stream: NodeJS.ReadableStream): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of stream) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

describe("OciClient against docker-registry with basic auth", () => {
  let registry: OciRegistry;
  let client: OciClient;
  beforeAll(async () => {
    registry = await startOciRegistry({ auth });
    client = new OciClient({ registry: registry.host, insecure: true, credentials: auth });
  }, 60_000);
  afterAll(async () => {
    await registry?.stop();
  });

  it("resolves a tag by HEAD and by GET to the same verified digest, and reads the layer", async () => {
    const layer = Buffer.from("layer-bytes");
    const pushed = await pushArtifact(registry, {
      repository: "org/app",
      tags: ["v1.0.0"],
      layers: [{ mediaType: FLUX_CONTENT_MEDIA_TYPE, data: layer }],
      annotations: { "org.opencontainers.image.source": "https://example.com/app" },
      auth,
    });
    const head = await client.headManifest("org/app", "v1.0.0");
    expect(head.digest).toBe(pushed.digest);
    const manifest = await client.getImageManifest("org/app", "v1.0.0");
    expect(manifest.digest).toBe(pushed.digest);
    expect(manifest.bytes.equals(pushed.manifest)).toBe(true);
    expect(manifest.document.annotations).toEqual({ "org.opencontainers.image.source": "https://example.com/app" });
    const byDigest = await client.getImageManifest("org/app", pushed.digest);
    expect(byDigest.document.layers[0]?.digest).toBe(sha256Digest(layer));
    const blob = await drain(await client.fetchBlob("org/app", byDigest.document.layers[0] ?? { digest: "" }));
    expect(blob.toString()).toBe("layer-bytes");
  });

  it("lists every tag across Link-paginated pages", async () => {
    const tags = ["a1", "a2", "a3", "a4", "a5"];
    await pushArtifact(registry, {
      repository: "org/many",
      tags,
      layers: [{ mediaType: FLUX_CONTENT_MEDIA_TYPE, data: Buffer.from("x") }],
      auth,
    });
    expect((await client.listTags("org/many", 2)).sort()).toEqual(tags);
  });

  it("pushes blobs and manifests itself", async () => {
    const layer = await client.pushBlob("org/pushed", Buffer.from("pushed by client"), FLUX_CONTENT_MEDIA_TYPE);
    const config = await client.pushBlob("org/pushed", Buffer.from("{}"), FLUX_CONFIG);
    const manifest = Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: "application/vnd.oci.image.manifest.v1+json",
        config,
        layers: [layer],
      }),
    );
    const digest = await client.pushManifest(
      "org/pushed",
      "latest",
      manifest,
      "application/vnd.oci.image.manifest.v1+json",
    );
    expect((await client.headManifest("org/pushed", "latest")).digest).toBe(digest);
  });

  it("fails a blob whose bytes on the registry no longer match its digest", async () => {
    const data = Buffer.from("original content that will be tampered with");
    const pushed = await pushArtifact(registry, {
      repository: "org/tampered",
      tags: ["v1"],
      layers: [{ mediaType: FLUX_CONTENT_MEDIA_TYPE, data }],
      auth,
    });
    const hex = pushed.layerDigests[0]?.slice("sha256:".length) ?? "";
    const blobFile = join(registry.dir, "data/docker/registry/v2/blobs/sha256", hex.slice(0, 2), hex, "data");
    expect(await readdir(join(blobFile, ".."))).toContain("data");
    await writeFile(blobFile, Buffer.from("ORIGINAL content that will be tampered with"));
    const stream = await client.fetchBlob("org/tampered", { digest: `sha256:${hex}`, size: data.length });
    await expect(drain(stream)).rejects.toBeInstanceOf(OciDigestMismatchError);
  });

  it("names the registry error of a missing tag", async () => {
    const err = await client.getManifest("org/app", "v9.9.9").catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OciRegistryError);
    expect((err as OciRegistryError).notFound).toBe(true);
    expect((err as Error).message).toMatch(
      /^GET http:\/\/127\.0\.0\.1:\d+\/v2\/org\/app\/manifests\/v9\.9\.9: MANIFEST_UNKNOWN/,
    );
  });

  it("reports a wrong password as unauthorized, without the password", async () => {
    const wrong = new OciClient({
      registry: registry.host,
      insecure: true,
      credentials: { username: auth.username, password: "wrong-pass" },
    });
    const err = await wrong.headManifest("org/app", "v1.0.0").catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OciRegistryError);
    expect((err as OciRegistryError).unauthorized).toBe(true);
    expect((err as Error).message).toContain("UNAUTHORIZED");
    expect((err as Error).message).not.toContain("wrong-pass");
  });

  it("finds credentials in a dockerconfigjson for the registry host", () => {
    const auths = parseDockerConfig(
      JSON.stringify({
        auths: {
          [`http://${registry.host}/v2/`]: {
            auth: Buffer.from(`${auth.username}:${auth.password}`).toString("base64"),
          },
          "ghcr.io": { username: "u", password: "p" },
        },
      }),
      "secret 'default/regcred'",
    );
    expect(credentialsFor(registry.host, [auths])).toEqual(auth);
    expect(credentialsFor("quay.io", [auths])).toBeUndefined();
    expect(() => parseDockerConfig("{", "secret 'default/bad'")).toThrow(/secret 'default\/bad': not valid JSON/);
  });

  it("reports an unreachable registry as a transport error naming the URL", async () => {
    const stopped = await startOciRegistry();
    await stopped.stop();
    const c = new OciClient({ registry: stopped.host, insecure: true });
    const err = await c.headManifest("org/app", "latest").catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OciTransportError);
    expect((err as Error).message).toContain(`http://${stopped.host}/v2/org/app/manifests/latest`);
    expect((err as Error).message).toContain("ECONNREFUSED");
  }, 60_000);
});

describe("OciClient over HTTPS", () => {
  const pki = createTestPki();
  let registry: OciRegistry;
  beforeAll(async () => {
    registry = await startOciRegistry({ tls: { key: pki.serverKey, cert: pki.serverCert } });
    await pushArtifact(registry, {
      repository: "secure/app",
      tags: ["v1"],
      layers: [{ mediaType: FLUX_CONTENT_MEDIA_TYPE, data: Buffer.from("tls") }],
      ca: pki.caCert,
    });
  }, 60_000);
  afterAll(async () => {
    await registry?.stop();
  });

  it("trusts the registry with the CA from certSecretRef and refuses it without", async () => {
    const trusted = new OciClient({ registry: registry.host, tls: { ca: pki.caCert } });
    expect((await trusted.headManifest("secure/app", "v1")).digest).toMatch(/^sha256:/);
    const untrusted = new OciClient({ registry: registry.host });
    const err = await untrusted.headManifest("secure/app", "v1").catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OciTransportError);
    expect((err as Error).message).toMatch(/certificate/i);
  });
});

describe("OciClient against docker-registry with Bearer token auth", () => {
  const tokenAuth = { username: "robot", password: "t0ken-pass", refreshToken: "refresh-me" };
  let registry: OciRegistry;
  beforeAll(async () => {
    registry = await startOciRegistry({ tokenAuth });
  }, 60_000);
  afterAll(async () => {
    await registry?.stop();
  });

  it("gets scoped tokens from the realm with basic credentials, pushes and pulls", async () => {
    const client = new OciClient({ registry: registry.host, plainHttp: true, credentials: tokenAuth });
    const layer = await client.pushBlob("team/app", Buffer.from("bearer layer"), FLUX_CONTENT_MEDIA_TYPE);
    const config = await client.pushBlob("team/app", Buffer.from("{}"), FLUX_CONFIG);
    const manifest = Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: "application/vnd.oci.image.manifest.v1+json",
        config,
        layers: [layer],
      }),
    );
    const digest = await client.pushManifest("team/app", "v1", manifest, "application/vnd.oci.image.manifest.v1+json");
    const reader = new OciClient({ registry: registry.host, plainHttp: true, credentials: tokenAuth });
    expect((await reader.headManifest("team/app", "v1")).digest).toBe(digest);
    expect(await reader.listTags("team/app")).toEqual(["v1"]);
    const requests = registry.tokenServer?.requests ?? [];
    expect(requests.some((r) => r.scopes.includes("repository:team/app:pull,push") && r.status === 200)).toBe(true);
    expect(requests.some((r) => r.scopes.includes("repository:team/app:pull") && r.status === 200)).toBe(true);
    expect(requests.every((r) => r.service === "sluice-test-registry")).toBe(true);
  });

  it("exchanges a docker config identity token at the realm (POST refresh_token grant)", async () => {
    const client = new OciClient({
      registry: registry.host,
      plainHttp: true,
      credentials: { identityToken: "refresh-me" },
    });
    expect(await client.listTags("team/app")).toEqual(["v1"]);
    const wrong = new OciClient({ registry: registry.host, plainHttp: true, credentials: { identityToken: "stale" } });
    const err = await wrong.listTags("team/app").catch((e: unknown) => e);
    expect((err as Error).message).toMatch(/^POST http:\/\/127\.0\.0\.1:\d+\/token: UNAUTHORIZED/);
    expect((err as Error).message).not.toContain("stale");
  });

  it("reports the token endpoint's refusal of wrong credentials", async () => {
    const client = new OciClient({
      registry: registry.host,
      plainHttp: true,
      credentials: { username: tokenAuth.username, password: "nope" },
    });
    const err = await client.headManifest("team/app", "v1").catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OciRegistryError);
    expect((err as OciRegistryError).unauthorized).toBe(true);
    expect((err as Error).message).toMatch(
      /^GET http:\/\/127\.0\.0\.1:\d+\/token\?.*UNAUTHORIZED: invalid username or password/,
    );
    expect((err as Error).message).not.toContain("nope");
  });
});

describe("OciClient manifest kinds", () => {
  let registry: OciRegistry;
  beforeAll(async () => {
    registry = await startOciRegistry();
  }, 60_000);
  afterAll(async () => {
    await registry?.stop();
  });

  it("resolves Docker v2 schema 2 manifests and picks linux/amd64 out of an image index", async () => {
    const client = new OciClient({ registry: registry.host, plainHttp: true });
    const docker = await pushArtifact(registry, {
      repository: "kinds/app",
      tags: ["docker"],
      layers: [{ mediaType: "application/vnd.docker.image.rootfs.diff.tar.gzip", data: Buffer.from("amd64") }],
      config: { mediaType: "application/vnd.docker.container.image.v1+json", data: Buffer.from("{}") },
      manifestMediaType: "application/vnd.docker.distribution.manifest.v2+json",
    });
    const arm = await pushArtifact(registry, {
      repository: "kinds/app",
      layers: [{ mediaType: FLUX_CONTENT_MEDIA_TYPE, data: Buffer.from("arm64") }],
    });
    const resolved = await client.getImageManifest("kinds/app", "docker");
    expect(resolved.mediaType).toBe("application/vnd.docker.distribution.manifest.v2+json");
    expect(resolved.digest).toBe(docker.digest);

    const entry = (digest: string, size: number, architecture: string) => ({
      mediaType: "application/vnd.oci.image.manifest.v1+json",
      digest,
      size,
      platform: { os: "linux", architecture },
    });
    const index = Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: "application/vnd.oci.image.index.v1+json",
        manifests: [
          entry(arm.digest, arm.manifest.length, "arm64"),
          entry(docker.digest, docker.manifest.length, "amd64"),
        ],
      }),
    );
    const indexDigest = await client.pushManifest(
      "kinds/app",
      "multi",
      index,
      "application/vnd.oci.image.index.v1+json",
    );
    expect((await client.headManifest("kinds/app", "multi")).digest).toBe(indexDigest);
    const picked = await client.getImageManifest("kinds/app", "multi");
    expect(picked.digest).toBe(docker.digest);
  });
});

describe("OciClient through an HTTP proxy", () => {
  let registry: OciRegistry;
  let proxy: HttpProxy;
  beforeAll(async () => {
    registry = await startOciRegistry();
    proxy = await startHttpProxy();
    await pushArtifact(registry, {
      repository: "via/proxy",
      tags: ["v1"],
      layers: [{ mediaType: FLUX_CONTENT_MEDIA_TYPE, data: Buffer.from("proxied") }],
    });
  }, 60_000);
  afterAll(async () => {
    await proxy?.stop();
    await registry?.stop();
  });

  it("sends plain-HTTP requests to the proxy in absolute form", async () => {
    const client = new OciClient({ registry: registry.host, plainHttp: true, proxy: { url: new URL(proxy.url) } });
    const manifest = await client.getImageManifest("via/proxy", "v1");
    const blob = await drain(await client.fetchBlob("via/proxy", manifest.document.layers[0] ?? { digest: "" }));
    expect(blob.toString()).toBe("proxied");
    expect(proxy.requests.map((r) => r.target)).toContain(`${registry.url}/v2/via/proxy/manifests/v1`);
  });
});

describe("OciClient timeouts", () => {
  it("gives up on a registry that accepts connections but never answers, naming the deadline", async () => {
    const sockets = new Set<Socket>();
    const silent = createServer((socket) => {
      sockets.add(socket);
      socket.on("error", () => undefined);
    });
    await new Promise<void>((resolve) => silent.listen(0, "127.0.0.1", resolve));
    const { port } = silent.address() as AddressInfo;
    try {
      const client = new OciClient({
        registry: `127.0.0.1:${port}`,
        plainHttp: true,
        signal: AbortSignal.timeout(300),
      });
      const err = await client.headManifest("org/app", "v1").catch((e: unknown) => e);
      expect(err).toBeInstanceOf(OciTransportError);
      expect((err as Error).message).toBe(
        `HEAD http://127.0.0.1:${port}/v2/org/app/manifests/v1: context deadline exceeded`,
      );
    } finally {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => silent.close(() => resolve()));
    }
  });
});
