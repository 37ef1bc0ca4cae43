// The OCIRepository controller end to end: the embedded API server with the chart's CRDs, the
// source-controller started with createSourceController, and Debian's docker-registry (one open, one with
// htpasswd basic auth) holding artifacts pushed by the test.

import { execFile } from "node:child_process";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { promisify } from "node:util";
import { gzipSync } from "node:zlib";
import type { OCIRepository } from "@sluice/api";
import { resolveTool, type UnstructuredObject } from "@sluice/runtime";
import {
  createTestPki,
  FLUX_CONTENT_MEDIA_TYPE,
  helmPushChart,
  type OciRegistry,
  pushArtifact,
  sha256Digest,
  startHttpProxy,
  startOciRegistry,
  tempDir,
  writeTree,
} from "@sluice/testkit";
import { c as createTar } from "tar";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type ControllerEnv,
  createSecret,
  downloadArtifact,
  startControllerEnv,
  tarEntries,
} from "./support/controller-env.js";
import { conditionOf, failedWith, readyNow, sourceKind } from "./support/source-objects.js";

const NS = "oci-test";
const auth = { username: "oci-user", password: "oci-Pa55word" };

let root: { path: string; remove: () => Promise<void> };
let env: ControllerEnv;
let open: OciRegistry;
let guarded: OciRegistry;

beforeAll(async () => {
  root = await tempDir("sc-ocirepo-int-");
  open = await startOciRegistry();
  guarded = await startOciRegistry({ auth });
  env = await startControllerEnv(root.path, NS);
}, 120_000);

afterAll(async () => {
  await env?.stop();
  await open?.stop();
  await guarded?.stop();
  await root?.remove();
});

const {
  ref,
  waitFor,
  requestReconcile,
  create: createOciRepository,
} = sourceKind<OCIRepository>(
  () => env,
  "OCIRepository",
  () => ({ insecure: true }),
);

let tarCounter = 0;
/** A reproducible-enough tar.gz of `files` made with the tar package. */
async function tgz(files: Record<string, string>): Promise<Buffer> {
  const dir = join(root.path, `layer-${tarCounter++}`);
  await mkdir(dir, { recursive: true });
  await writeTree(dir, files);
  const out = `${dir}.tar.gz`;
  await createTar({ gzip: true, file: out, cwd: dir, portable: true }, Object.keys(files).sort());
  return readFile(out);
}

/** A raw tar.gz with one regular file entry named exactly `name` (e.g. a path escape). */
function craftedTgz(name: string, content: string): Buffer {
  const header = Buffer.alloc(512);
  header.write(name, 0, 100, "utf8");
  header.write("0000644\0", 100);
  header.write("0000000\0", 108);
  header.write("0000000\0", 116);
  header.write(`${content.length.toString(8).padStart(11, "0")}\0`, 124);
  header.write("00000000000\0", 136);
  header.write("        ", 148);
  header.write("0", 156);
  header.write("ustar\0", 257);
  header.write("00", 263);
  let sum = 0;
  for (const b of header) sum += b;
  header.write(`${sum.toString(8).padStart(6, "0")}\0 `, 148);
  const body = Buffer.alloc(Math.ceil(content.length / 512) * 512);
  body.write(content);
  return gzipSync(Buffer.concat([header, body, Buffer.alloc(1024)]));
}

function blobPath(registry: OciRegistry, digest: string): string {
  const hex = digest.slice("sha256:".length);
  return join(registry.dir, "data/docker/registry/v2/blobs/sha256", hex.slice(0, 2), hex, "data");
}

describe("OCIRepository", () => {
  it("pulls a tag: revision <tag>@<digest>, annotations as metadata, extracted content, NewArtifact event", async () => {
    const layer = await tgz({ "deploy/app.yaml": "kind: ConfigMap\n", "README.md": "hi\n" });
    const pushed = await pushArtifact(open, {
      repository: "manifests/app",
      tags: ["v1"],
      layers: [{ mediaType: FLUX_CONTENT_MEDIA_TYPE, data: layer }],
      annotations: {
        "org.opencontainers.image.source": "https://github.com/example/app",
        "org.opencontainers.image.revision": "main@sha1:0123456789abcdef",
      },
    });
    await createOciRepository("tagged", { url: `oci://${open.host}/manifests/app`, ref: { tag: "v1" } });
    const obj = await waitFor("tagged", readyNow, "Ready");
    const artifact = obj.status?.artifact;
    expect(artifact?.revision).toBe(`v1@${pushed.digest}`);
    expect(artifact?.path).toBe(`ocirepository/${NS}/tagged/${pushed.digest}.tar.gz`);
    expect(artifact?.metadata).toEqual({
      "org.opencontainers.image.source": "https://github.com/example/app",
      "org.opencontainers.image.revision": "main@sha1:0123456789abcdef",
    });
    expect(conditionOf(obj, "Ready")?.message).toBe(`stored artifact for digest 'v1@${pushed.digest}'`);
    expect(obj.status?.url).toMatch(/\/ocirepository\/oci-test\/tagged\/latest\.tar\.gz$/);
    const data = await downloadArtifact(artifact?.url ?? "");
    expect(sha256Digest(data)).toBe(artifact?.digest);
    expect(await tarEntries(data, root.path)).toEqual(["README.md", "deploy/", "deploy/app.yaml"]);
    const deadline = Date.now() + 30_000;
    const newArtifact = () =>
      env.sink.events.find((e) => e.reason === "NewArtifact" && e.involvedObject.name === "tagged");
    while (!newArtifact() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    const event = newArtifact();
    expect(event?.message).toBe(
      `stored artifact with revision 'v1@${pushed.digest}' from 'oci://${open.host}/manifests/app', origin source 'https://github.com/example/app', origin revision 'main@sha1:0123456789abcdef'`,
    );
    expect(event?.metadata?.["source.toolkit.fluxcd.io/revision"]).toBe(`v1@${pushed.digest}`);
  });

  it("skips the pull when the remote digest is unchanged, and pulls again when the tag moves", async () => {
    const first = await pushArtifact(open, {
      repository: "manifests/moving",
      tags: ["stable"],
      layers: [{ mediaType: FLUX_CONTENT_MEDIA_TYPE, data: await tgz({ "a.yaml": "v: 1\n" }) }],
    });
    await createOciRepository("moving", { url: `oci://${open.host}/manifests/moving`, ref: { tag: "stable" } });
    const before = await waitFor("moving", readyNow, "Ready");
    expect(before.status?.artifact?.revision).toBe(`stable@${first.digest}`);

    // Corrupt the layer on the registry's disk: a pull would now fail its digest check.
    const layerDigest = first.layerDigests[0] ?? "";
    const original = await readFile(blobPath(open, layerDigest));
    await writeFile(blobPath(open, layerDigest), Buffer.from("not the layer"));
    const seen = open.requests.length;
    const at = await requestReconcile("moving");
    const after = await waitFor("moving", (o) => o.status?.lastHandledReconcileAt === at, "reconcile handled");
    expect(readyNow(after)).toBe(true);
    expect(after.status?.artifact).toEqual(before.status?.artifact);
    // One manifest HEAD, nothing else of that repository: no manifest GET, no blob download.
    const mine = () => open.requests.slice(seen).filter((r) => r.path.startsWith("/v2/manifests/moving/"));
    const deadline = Date.now() + 10_000;
    while (mine().length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    expect(mine()).toEqual([{ method: "HEAD", path: "/v2/manifests/moving/manifests/stable", status: 200 }]);
    await writeFile(blobPath(open, layerDigest), original);

    const second = await pushArtifact(open, {
      repository: "manifests/moving",
      tags: ["stable"],
      layers: [{ mediaType: FLUX_CONTENT_MEDIA_TYPE, data: await tgz({ "a.yaml": "v: 2\n" }) }],
    });
    await requestReconcile("moving");
    const moved = await waitFor(
      "moving",
      (o) => readyNow(o) && o.status?.artifact?.revision === `stable@${second.digest}`,
      "new revision",
    );
    const data = await downloadArtifact(moved.status?.artifact?.url ?? "");
    expect(data.equals(await downloadArtifact(before.status?.artifact?.url ?? ""))).toBe(false);
  });

  it("picks the highest tag in a semver range, narrowed by semverFilter", async () => {
    for (const tag of ["1.0.0", "1.2.0", "1.10.1-rc.1", "2.0.0", "latest"]) {
      await pushArtifact(open, {
        repository: "manifests/versioned",
        tags: [tag],
        layers: [{ mediaType: FLUX_CONTENT_MEDIA_TYPE, data: await tgz({ "version.txt": tag }) }],
      });
    }
    await createOciRepository("semver", { url: `oci://${open.host}/manifests/versioned`, ref: { semver: "1.x" } });
    await createOciRepository("semver-filter", {
      url: `oci://${open.host}/manifests/versioned`,
      ref: { semver: ">=1.0.0", semverFilter: "^1\\.0" },
    });
    const picked = await waitFor("semver", readyNow, "Ready");
    expect(picked.status?.artifact?.revision).toMatch(/^1\.2\.0@sha256:[a-f0-9]{64}$/);
    const filtered = await waitFor("semver-filter", readyNow, "Ready");
    expect(filtered.status?.artifact?.revision).toMatch(/^1\.0\.0@sha256:/);

    await createOciRepository("semver-none", {
      url: `oci://${open.host}/manifests/versioned`,
      ref: { semver: "~9.0" },
    });
    const none = await waitFor("semver-none", failedWith("ReadOperationFailed"), "ReadOperationFailed");
    expect(conditionOf(none, "Ready")?.message).toBe(
      `failed to determine the artifact tag for 'oci://${open.host}/manifests/versioned': no match found for semver: ~9.0`,
    );
  });

  it("pulls by digest with revision sha256:<digest>, ahead of tag and semver", async () => {
    const pushed = await pushArtifact(open, {
      repository: "manifests/pinned",
      tags: ["v1"],
      layers: [{ mediaType: FLUX_CONTENT_MEDIA_TYPE, data: await tgz({ "pinned.yaml": "x: 1\n" }) }],
    });
    await createOciRepository("pinned", {
      url: `oci://${open.host}/manifests/pinned`,
      ref: { digest: pushed.digest, tag: "does-not-exist", semver: "9.x" },
    });
    const obj = await waitFor("pinned", readyNow, "Ready");
    expect(obj.status?.artifact?.revision).toBe(pushed.digest);
  });

  it("selects a layer by media type and extracts it or copies it as is", async () => {
    const first = await tgz({ "first.yaml": "1\n" });
    const second = await tgz({ "second.yaml": "2\n", "img.png": "png" });
    const mediaType = "application/vnd.example.second.v1.tar+gzip";
    await pushArtifact(open, {
      repository: "manifests/layers",
      tags: ["v1"],
      layers: [
        { mediaType: FLUX_CONTENT_MEDIA_TYPE, data: first },
        { mediaType, data: second },
      ],
    });
    const url = `oci://${open.host}/manifests/layers`;
    await createOciRepository("extract", { url, ref: { tag: "v1" }, layerSelector: { mediaType } });
    await createOciRepository("copy", { url, ref: { tag: "v1" }, layerSelector: { mediaType, operation: "copy" } });
    await createOciRepository("default-layer", { url, ref: { tag: "v1" } });

    const extracted = await waitFor("extract", readyNow, "Ready");
    expect(extracted.status?.observedLayerSelector).toEqual({ mediaType });
    // img.png is dropped by the default .sourceignore rules.
    expect(await tarEntries(await downloadArtifact(extracted.status?.artifact?.url ?? ""), root.path)).toEqual([
      "second.yaml",
    ]);
    const copied = await waitFor("copy", readyNow, "Ready");
    expect(copied.status?.observedLayerSelector).toEqual({ mediaType, operation: "copy" });
    expect((await downloadArtifact(copied.status?.artifact?.url ?? "")).equals(second)).toBe(true);
    expect(copied.status?.artifact?.digest).toBe(sha256Digest(second));
    const byDefault = await waitFor("default-layer", readyNow, "Ready");
    expect(await tarEntries(await downloadArtifact(byDefault.status?.artifact?.url ?? ""), root.path)).toEqual([
      "first.yaml",
    ]);

    // A new layerSelector on an unchanged revision rebuilds the artifact from the other layer.
    await env.cluster.client.patch(
      ref("default-layer"),
      { spec: { layerSelector: { mediaType } } },
      { type: "application/merge-patch+json" },
    );
    const reselected = await waitFor(
      "default-layer",
      (o) => readyNow(o) && o.status?.observedLayerSelector?.mediaType === mediaType,
      "rebuilt from the selected layer",
    );
    expect(reselected.status?.artifact?.revision).toBe(byDefault.status?.artifact?.revision);
    expect(await tarEntries(await downloadArtifact(reselected.status?.artifact?.url ?? ""), root.path)).toEqual([
      "second.yaml",
    ]);

    await createOciRepository("missing-layer", {
      url,
      ref: { tag: "v1" },
      layerSelector: { mediaType: "application/vnd.nope" },
    });
    const missing = await waitFor("missing-layer", failedWith("OCIArtifactLayerOperationFailed"), "layer failure");
    expect(conditionOf(missing, "Ready")?.message).toBe(
      "failed to find layer with media type 'application/vnd.nope' in artifact",
    );
  });

  it("applies spec.ignore and records observedIgnore", async () => {
    await pushArtifact(open, {
      repository: "manifests/ignored",
      tags: ["v1"],
      layers: [
        {
          mediaType: FLUX_CONTENT_MEDIA_TYPE,
          data: await tgz({ "keep.yaml": "k\n", "drop/x.yaml": "d\n", "img.png": "p" }),
        },
      ],
    });
    await createOciRepository("ignored", {
      url: `oci://${open.host}/manifests/ignored`,
      ref: { tag: "v1" },
      ignore: "drop/\n",
    });
    const obj = await waitFor("ignored", readyNow, "Ready");
    expect(obj.status?.observedIgnore).toBe("drop/\n");
    // A user pattern replaces the extension defaults: img.png stays.
    expect(await tarEntries(await downloadArtifact(obj.status?.artifact?.url ?? ""), root.path)).toEqual([
      "img.png",
      "keep.yaml",
    ]);
  });

  it("authenticates with a dockerconfigjson Secret and reports a wrong password", async () => {
    const pushed = await pushArtifact(guarded, {
      repository: "private/app",
      tags: ["v1"],
      layers: [{ mediaType: FLUX_CONTENT_MEDIA_TYPE, data: await tgz({ "secret.yaml": "s\n" }) }],
      auth,
    });
    const dockerConfig = (password: string) =>
      JSON.stringify({
        auths: { [guarded.host]: { auth: Buffer.from(`${auth.username}:${password}`).toString("base64") } },
      });
    await createSecret(env, "regcred", { ".dockerconfigjson": dockerConfig(auth.password) });
    await createSecret(env, "badcred", { ".dockerconfigjson": dockerConfig("wrong-password") });
    const url = `oci://${guarded.host}/private/app`;
    await createOciRepository("private", { url, ref: { tag: "v1" }, secretRef: { name: "regcred" } });
    await createOciRepository("private-bad", { url, ref: { tag: "v1" }, secretRef: { name: "badcred" } });
    await createOciRepository("private-anon", { url, ref: { tag: "v1" } });
    await createOciRepository("private-nosecret", { url, ref: { tag: "v1" }, secretRef: { name: "absent" } });

    expect((await waitFor("private", readyNow, "Ready")).status?.artifact?.revision).toBe(`v1@${pushed.digest}`);
    for (const name of ["private-bad", "private-anon"]) {
      const bad = await waitFor(name, failedWith("OCIArtifactPullFailed"), "OCIArtifactPullFailed");
      const message = conditionOf(bad, "Ready")?.message ?? "";
      expect(message).toMatch(
        new RegExp(
          `^failed to determine artifact digest: GET http://${guarded.host}/v2/private/app/manifests/v1: UNAUTHORIZED`,
        ),
      );
      expect(message).not.toContain("wrong-password");
      expect(conditionOf(bad, "FetchFailed")?.status).toBe("True");
    }
    const absent = await waitFor("private-nosecret", failedWith("AuthenticationFailed"), "AuthenticationFailed");
    expect(conditionOf(absent, "Ready")?.message).toMatch(
      /^failed to get credential: failed to get secret 'oci-test\/absent': /,
    );
  });

  it("uses the image pull secrets of spec.serviceAccountName", async () => {
    await pushArtifact(guarded, {
      repository: "private/sa",
      tags: ["v1"],
      layers: [{ mediaType: FLUX_CONTENT_MEDIA_TYPE, data: await tgz({ "sa.yaml": "s\n" }) }],
      auth,
    });
    await createSecret(env, "sa-pull", {
      ".dockerconfigjson": JSON.stringify({ auths: { [guarded.host]: auth } }),
    });
    await env.cluster.client.create({
      apiVersion: "v1",
      kind: "ServiceAccount",
      metadata: { namespace: NS, name: "puller" },
      imagePullSecrets: [{ name: "sa-pull" }],
    } as UnstructuredObject);
    await createOciRepository("via-sa", {
      url: `oci://${guarded.host}/private/sa`,
      ref: { tag: "v1" },
      serviceAccountName: "puller",
    });
    expect((await waitFor("via-sa", readyNow, "Ready")).status?.artifact?.revision).toMatch(/^v1@sha256:/);
  });

  it("fails a missing tag, a bad URL and an unreachable registry with Flux's reasons", async () => {
    await createOciRepository("no-tag", { url: `oci://${open.host}/manifests/app`, ref: { tag: "v404" } });
    await createOciRepository("bad-url", { url: `oci://${open.host}/manifests/app:v1` });
    const gone = await startOciRegistry();
    await gone.stop();
    await createOciRepository("unreachable", { url: `oci://${gone.host}/manifests/app`, ref: { tag: "v1" } });

    const noTag = await waitFor("no-tag", failedWith("OCIArtifactPullFailed"), "OCIArtifactPullFailed");
    expect(conditionOf(noTag, "Ready")?.message).toMatch(
      new RegExp(
        `^failed to determine artifact digest: GET http://${open.host}/v2/manifests/app/manifests/v404: MANIFEST_UNKNOWN: manifest unknown`,
      ),
    );
    const deadline = Date.now() + 30_000;
    const warning = () =>
      env.sink.events.find((e) => e.involvedObject.name === "no-tag" && e.reason === "OCIArtifactPullFailed");
    while (!warning() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    expect(warning()?.severity).toBe("error");
    expect(warning()?.message).toContain("MANIFEST_UNKNOWN");
    const badUrl = await waitFor("bad-url", failedWith("URLInvalid"), "URLInvalid");
    expect(conditionOf(badUrl, "Ready")?.message).toBe(
      `URL validation failed for 'oci://${open.host}/manifests/app:v1': URL must not contain a tag; remove ':v1'`,
    );
    expect(conditionOf(badUrl, "Stalled")?.status).toBe("True");
    const unreachable = await waitFor("unreachable", failedWith("OCIArtifactPullFailed"), "OCIArtifactPullFailed");
    expect(conditionOf(unreachable, "Ready")?.message).toMatch(
      new RegExp(
        `^failed to determine artifact digest: HEAD http://${gone.host}/v2/manifests/app/manifests/v1: .*ECONNREFUSED`,
      ),
    );
  }, 90_000);

  it("refuses a layer whose entries escape the extraction directory", async () => {
    await pushArtifact(open, {
      repository: "manifests/evil",
      tags: ["v1"],
      layers: [{ mediaType: FLUX_CONTENT_MEDIA_TYPE, data: craftedTgz("../../escaped.txt", "owned") }],
    });
    await createOciRepository("evil", { url: `oci://${open.host}/manifests/evil`, ref: { tag: "v1" } });
    const obj = await waitFor("evil", failedWith("OCIArtifactLayerOperationFailed"), "layer failure");
    expect(conditionOf(obj, "Ready")?.message).toMatch(
      /^failed to extract layer contents from artifact: .*\.\.\/\.\.\/escaped\.txt/,
    );
    expect(obj.status?.artifact).toBeUndefined();
  });

  it("says verification and cloud providers are unsupported instead of pulling unverified content", async () => {
    await createOciRepository("verified", {
      url: `oci://${open.host}/manifests/app`,
      ref: { tag: "v1" },
      verify: { provider: "cosign" },
    });
    await createOciRepository("aws", { url: `oci://${open.host}/manifests/app`, ref: { tag: "v1" }, provider: "aws" });
    const verified = await waitFor("verified", failedWith("VerificationError"), "VerificationError");
    expect(conditionOf(verified, "SourceVerified")?.status).toBe("False");
    expect(conditionOf(verified, "Ready")?.message).toMatch(
      /^failed to verify the signature using provider 'cosign keyless': signature verification \(cosign, notation\) is not supported/,
    );
    expect(verified.status?.artifact).toBeUndefined();
    const aws = await waitFor("aws", failedWith("AuthenticationFailed"), "AuthenticationFailed");
    expect(conditionOf(aws, "Ready")?.message).toMatch(/^failed to get credential from aws: /);
    expect(conditionOf(aws, "Stalled")?.status).toBe("True");
  });

  it("leaves a suspended OCIRepository alone until it is resumed", async () => {
    const pushed = await pushArtifact(open, {
      repository: "manifests/suspended",
      tags: ["v1"],
      layers: [{ mediaType: FLUX_CONTENT_MEDIA_TYPE, data: await tgz({ "s.yaml": "s\n" }) }],
    });
    await createOciRepository("suspended", {
      url: `oci://${open.host}/manifests/suspended`,
      ref: { tag: "v1" },
      suspend: true,
    });
    const at = await requestReconcile("suspended");
    const suspended = await waitFor("suspended", (o) => o.status?.lastHandledReconcileAt === at, "request handled");
    expect(suspended.status?.artifact).toBeUndefined();
    await env.cluster.client.patch(
      ref("suspended"),
      { spec: { suspend: false } },
      { type: "application/merge-patch+json" },
    );
    const resumed = await waitFor("suspended", readyNow, "Ready after resume");
    expect(resumed.status?.artifact?.revision).toBe(`v1@${pushed.digest}`);
  });

  it("removes the storage when the object is deleted", async () => {
    await pushArtifact(open, {
      repository: "manifests/deleted",
      tags: ["v1"],
      layers: [{ mediaType: FLUX_CONTENT_MEDIA_TYPE, data: await tgz({ "d.yaml": "d\n" }) }],
    });
    await createOciRepository("deleted", { url: `oci://${open.host}/manifests/deleted`, ref: { tag: "v1" } });
    const obj = await waitFor("deleted", readyNow, "Ready");
    const url = obj.status?.artifact?.url ?? "";
    await env.cluster.client.delete(ref("deleted"));
    const deadline = Date.now() + 60_000;
    while (await env.cluster.client.getOptional(ref("deleted"))) {
      if (Date.now() > deadline) throw new Error("OCIRepository was not finalized");
      await new Promise((r) => setTimeout(r, 50));
    }
    expect((await fetch(url)).status).toBe(404);
  });
});

describe("OCIRepository against HTTPS, token-auth and Helm registries", () => {
  const pki = createTestPki();
  const tokenAuth = { username: "robot", password: "r0bot-pass" };
  let secure: OciRegistry;
  let tokened: OciRegistry;
  beforeAll(async () => {
    secure = await startOciRegistry({ tls: { key: pki.serverKey, cert: pki.serverCert } });
    tokened = await startOciRegistry({ tokenAuth });
  }, 60_000);
  afterAll(async () => {
    await secure?.stop();
    await tokened?.stop();
  });

  it("trusts an HTTPS registry through certSecretRef's ca.crt and fails without it", async () => {
    const pushed = await pushArtifact(secure, {
      repository: "tls/app",
      tags: ["v1"],
      layers: [{ mediaType: FLUX_CONTENT_MEDIA_TYPE, data: await tgz({ "tls.yaml": "t\n" }) }],
      ca: pki.caCert,
    });
    await createSecret(env, "registry-ca", { "ca.crt": pki.caCert });
    const url = `oci://${secure.host}/tls/app`;
    await createOciRepository("tls", {
      url,
      ref: { tag: "v1" },
      insecure: false,
      certSecretRef: { name: "registry-ca" },
    });
    await createOciRepository("tls-untrusted", { url, ref: { tag: "v1" }, insecure: false });
    await createOciRepository("tls-insecure", { url, ref: { tag: "v1" }, insecure: true });
    await createSecret(env, "half-pair", { "tls.crt": pki.clientCert });
    await createOciRepository("tls-half", { url, ref: { tag: "v1" }, certSecretRef: { name: "half-pair" } });

    expect((await waitFor("tls", readyNow, "Ready")).status?.artifact?.revision).toBe(`v1@${pushed.digest}`);
    const untrusted = await waitFor("tls-untrusted", failedWith("OCIArtifactPullFailed"), "OCIArtifactPullFailed");
    expect(conditionOf(untrusted, "Ready")?.message).toMatch(
      new RegExp(
        `^failed to determine artifact digest: HEAD https://${secure.host}/v2/tls/app/manifests/v1: .*certificate`,
      ),
    );
    // insecure without certSecretRef skips certificate verification (Flux's one exception to that rule).
    expect((await waitFor("tls-insecure", readyNow, "Ready")).status?.artifact?.revision).toBe(`v1@${pushed.digest}`);
    const half = await waitFor("tls-half", failedWith("AuthenticationFailed"), "AuthenticationFailed");
    expect(conditionOf(half, "Ready")?.message).toBe(
      `failed to generate transport for '${url}': secret '${NS}/half-pair' must contain both 'tls.crt' and 'tls.key'`,
    );
  });

  it("pulls from a registry with Bearer token auth using the dockerconfigjson credentials", async () => {
    await pushArtifact(tokened, {
      repository: "team/app",
      tags: ["v1"],
      layers: [{ mediaType: FLUX_CONTENT_MEDIA_TYPE, data: await tgz({ "team.yaml": "t\n" }) }],
      auth: tokenAuth,
    });
    await createSecret(env, "token-cred", {
      ".dockerconfigjson": JSON.stringify({ auths: { [tokened.host]: tokenAuth } }),
    });
    await createOciRepository("bearer", {
      url: `oci://${tokened.host}/team/app`,
      ref: { tag: "v1" },
      secretRef: { name: "token-cred" },
    });
    expect((await waitFor("bearer", readyNow, "Ready")).status?.artifact?.revision).toMatch(/^v1@sha256:/);
    expect(
      tokened.tokenServer?.requests.some((r) => r.scopes.includes("repository:team/app:pull") && r.authenticated),
    ).toBe(true);
  });

  it("goes through the proxySecretRef proxy (CONNECT for HTTPS, with proxy credentials)", async () => {
    const proxyAuth = { username: "proxy-user", password: "proxy-pass" };
    const proxy = await startHttpProxy({ auth: proxyAuth });
    try {
      await pushArtifact(secure, {
        repository: "tls/proxied",
        tags: ["v1"],
        layers: [{ mediaType: FLUX_CONTENT_MEDIA_TYPE, data: await tgz({ "p.yaml": "p\n" }) }],
        ca: pki.caCert,
      });
      await createSecret(env, "proxy", { address: proxy.url, ...proxyAuth });
      await createSecret(env, "proxy-bad", { address: proxy.url, username: "proxy-user", password: "wrong" });
      await createSecret(env, "proxy-noaddr", { username: "x" });
      await createSecret(env, "proxy-ca", { "ca.crt": pki.caCert });
      const spec = (secret: string) => ({
        url: `oci://${secure.host}/tls/proxied`,
        ref: { tag: "v1" },
        insecure: false,
        certSecretRef: { name: "proxy-ca" },
        proxySecretRef: { name: secret },
      });
      await createOciRepository("proxied", spec("proxy"));
      await createOciRepository("proxied-bad", spec("proxy-bad"));
      await createOciRepository("proxied-noaddr", spec("proxy-noaddr"));
      expect((await waitFor("proxied", readyNow, "Ready")).status?.artifact?.revision).toMatch(/^v1@sha256:/);
      expect(proxy.requests.some((r) => r.method === "CONNECT" && r.target === secure.host && r.status === 200)).toBe(
        true,
      );
      const bad = await waitFor("proxied-bad", failedWith("OCIArtifactPullFailed"), "OCIArtifactPullFailed");
      expect(conditionOf(bad, "Ready")?.message).toContain(
        `proxy ${proxy.url.slice(7)} refused CONNECT ${secure.host}: 407`,
      );
      const noaddr = await waitFor("proxied-noaddr", failedWith("AuthenticationFailed"), "AuthenticationFailed");
      expect(conditionOf(noaddr, "Ready")?.message).toBe(
        `failed to get proxy address: secret '${NS}/proxy-noaddr': key 'address' not found`,
      );
    } finally {
      await proxy.stop();
    }
  });

  it("pulls a chart pushed with the real helm push: semver over Helm's '_' tags, chart layer copied", async () => {
    const helm = resolveTool("helm").path;
    const work = join(root.path, "helm-oci");
    await mkdir(work, { recursive: true });
    const run = promisify(execFile);
    const helmEnv = { ...process.env, HELM_CACHE_HOME: join(work, "c"), HELM_CONFIG_HOME: join(work, "h") };
    await run(helm, ["create", "podinfo"], { cwd: work, env: helmEnv });
    const chartYaml = join(work, "podinfo", "Chart.yaml");
    const original = await readFile(chartYaml, "utf8");
    for (const version of ["6.0.0", "6.1.0+build.7"]) {
      await writeFile(chartYaml, original.replace(/^version: .*$/m, `version: ${version}`));
      await run(helm, ["package", join(work, "podinfo"), "--destination", work], { env: helmEnv });
      await helmPushChart(helm, open, join(work, `podinfo-${version}.tgz`), "charts");
    }
    await createOciRepository("chart", {
      url: `oci://${open.host}/charts/podinfo`,
      ref: { semver: "6.x" },
      layerSelector: { mediaType: "application/vnd.cncf.helm.chart.content.v1.tar+gzip", operation: "copy" },
    });
    const obj = await waitFor("chart", readyNow, "Ready");
    expect(obj.status?.artifact?.revision).toMatch(/^6\.1\.0_build\.7@sha256:[a-f0-9]{64}$/);
    const data = await downloadArtifact(obj.status?.artifact?.url ?? "");
    expect(data.equals(await readFile(join(work, "podinfo-6.1.0+build.7.tgz")))).toBe(true);
  }, 90_000);
});
