// The HelmRepository controller end to end: the embedded API server with the chart's CRDs, the
// source-controller started with createSourceController, and a real chart repository (`helm create`,
// `helm package`, `helm repo index`) served over HTTP on 127.0.0.1.

import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdir, readFile, readlink, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { HelmRepository } from "@sluice/api";
import type { UnstructuredObject } from "@sluice/runtime";
import {
  createHelmChartRepo,
  createTestPki,
  type HelmChartRepo,
  type HelmRepoServer,
  startHelmRepoServer,
  type TestPki,
  tempDir,
} from "@sluice/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse as parseYaml } from "yaml";
import {
  type ControllerEnv,
  createSecret,
  downloadArtifact as download,
  kubeEventsFor,
  startControllerEnv,
} from "./support/controller-env.js";
import { conditionOf, readyNow, sourceKind } from "./support/source-objects.js";

const NS = "helm-test";
const USER = "chart-user";
const PASSWORD = "s3cr3t-Ch4rt";

let root: { path: string; remove: () => Promise<void> };
let env: ControllerEnv;
let charts: HelmChartRepo;
let open: HelmRepoServer;
let guarded: HelmRepoServer;
let secure: HelmRepoServer;
let pki: TestPki;

beforeAll(async () => {
  root = await tempDir("sc-helmrepo-int-");
  charts = await createHelmChartRepo(root.path, () => open.baseUrl);
  open = await startHelmRepoServer(charts.dir, { redirects: { "/moved/index.yaml": "/index.yaml" } });
  guarded = await startHelmRepoServer(charts.dir, { auth: { username: USER, password: PASSWORD } });
  pki = createTestPki();
  secure = await startHelmRepoServer(charts.dir, {
    auth: { username: USER, password: PASSWORD },
    tls: { key: pki.serverKey, cert: pki.serverCert },
  });
  await charts.addChart("podinfo", "1.0.0");
  await charts.addChart("podinfo", "1.2.0");
  await charts.addChart("podinfo", "1.1.0");
  await charts.addChart("other", "0.1.0");
  env = await startControllerEnv(root.path, NS);
}, 120_000);

afterAll(async () => {
  await env?.stop();
  await open?.stop();
  await guarded?.stop();
  await secure?.stop();
  await root?.remove();
});

const {
  ref,
  get,
  waitFor,
  requestReconcile,
  create: createRepo,
} = sourceKind<HelmRepository>(() => env, "HelmRepository");
const sha256 = (data: Buffer) => `sha256:${createHash("sha256").update(data).digest("hex")}`;

describe("HelmRepository controller", () => {
  it("stores the index with Flux's revision, artifact name and index.yaml link, served over HTTP", async () => {
    const served = await charts.index();
    await createRepo("podinfo", { url: `${open.baseUrl}/` });
    const obj = await waitFor("podinfo", readyNow, "Ready");

    const revision = sha256(served);
    const hex = revision.slice("sha256:".length);
    expect(obj.metadata.finalizers).toContain("finalizers.fluxcd.io");
    const artifact = obj.status?.artifact;
    expect(artifact?.revision).toBe(revision);
    expect(artifact?.path).toBe(`helmrepository/${NS}/podinfo/index-${hex}.yaml`);
    expect(artifact?.url).toBe(`http://${env.advertisedAddress}/helmrepository/${NS}/podinfo/index-${hex}.yaml`);
    expect(obj.status?.url).toBe(`http://${env.advertisedAddress}/helmrepository/${NS}/podinfo/index.yaml`);
    expect(conditionOf(obj, "Ready")).toMatchObject({
      reason: "Succeeded",
      message: `stored artifact: revision '${revision}'`,
    });
    expect(conditionOf(obj, "ArtifactInStorage")).toMatchObject({ status: "True", reason: "Succeeded" });
    expect(conditionOf(obj, "Reconciling")).toBeUndefined();
    expect(conditionOf(obj, "FetchFailed")).toBeUndefined();

    // The stored file matches the artifact's digest and size, and the link serves the same content.
    const data = await download(artifact?.url ?? "");
    expect(sha256(data)).toBe(artifact?.digest);
    expect(data.length).toBe(artifact?.size);
    expect(await download(obj.status?.url ?? "")).toEqual(data);
    expect(await readlink(join(env.storagePath, `helmrepository/${NS}/podinfo/index.yaml`))).toBe(`index-${hex}.yaml`);

    // Normalized: the same charts, each chart's versions newest first.
    const stored = parseYaml(data.toString("utf8")) as {
      apiVersion: string;
      entries: Record<string, { version: string; urls: string[] }[]>;
    };
    expect(stored.apiVersion).toBe("v1");
    expect(Object.keys(stored.entries).sort()).toEqual(["other", "podinfo"]);
    expect(stored.entries["podinfo"]?.map((v) => v.version)).toEqual(["1.2.0", "1.1.0", "1.0.0"]);
    expect(stored.entries["podinfo"]?.[0]?.urls).toEqual([`${open.baseUrl}/podinfo-1.2.0.tgz`]);

    // A NewArtifact event with Flux's message and metadata keys.
    const deadline = Date.now() + 10_000;
    let event: UnstructuredObject | undefined;
    while (!event || !env.sink.events.some((e) => e.reason === "NewArtifact" && e.involvedObject.name === "podinfo")) {
      if (Date.now() > deadline) throw new Error("no NewArtifact event");
      event = (await kubeEventsFor(env, "podinfo")).find((e) => e["reason"] === "NewArtifact");
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(event["message"]).toMatch(new RegExp(`^stored fetched index of size [0-9.]+kB from '${open.baseUrl}/'$`));
    const forwarded = env.sink.events.find((e) => e.reason === "NewArtifact" && e.involvedObject.name === "podinfo");
    expect(forwarded).toMatchObject({
      involvedObject: { kind: "HelmRepository" },
      metadata: {
        "source.toolkit.fluxcd.io/revision": revision,
        "source.toolkit.fluxcd.io/digest": artifact?.digest,
      },
    });
  });

  it("keeps the artifact when the index is unchanged and stores a new revision for a new chart version", async () => {
    const before = await waitFor("podinfo", readyNow, "Ready");
    let at = await requestReconcile("podinfo");
    let obj = await waitFor("podinfo", (o) => o.status?.lastHandledReconcileAt === at && readyNow(o), "handled");
    expect(obj.status?.artifact).toEqual(before.status?.artifact);

    await charts.addChart("podinfo", "2.0.0");
    const revision = sha256(await charts.index());
    expect(revision).not.toBe(before.status?.artifact?.revision);
    at = await requestReconcile("podinfo");
    obj = await waitFor(
      "podinfo",
      (o) => o.status?.lastHandledReconcileAt === at && o.status?.artifact?.revision === revision && readyNow(o),
      "new revision",
    );
    expect(obj.status?.artifact?.path).toBe(`helmrepository/${NS}/podinfo/index-${revision.slice(7)}.yaml`);
    expect(conditionOf(obj, "Ready")?.message).toBe(`stored artifact: revision '${revision}'`);
    expect(conditionOf(obj, "ArtifactOutdated")).toBeUndefined();
    const data = await download(obj.status?.url ?? "");
    expect(sha256(data)).toBe(obj.status?.artifact?.digest);
    const stored = parseYaml(data.toString("utf8")) as { entries: Record<string, { version: string }[]> };
    expect(stored.entries["podinfo"]?.map((v) => v.version)).toEqual(["2.0.0", "1.2.0", "1.1.0", "1.0.0"]);
    // The previous artifact is kept within the retention records.
    expect(existsSync(join(env.storagePath, before.status?.artifact?.path ?? "missing"))).toBe(true);
  });

  it("follows redirects to the index", async () => {
    await createRepo("moved", { url: `${open.baseUrl}/moved` });
    const obj = await waitFor("moved", readyNow, "Ready");
    expect(obj.status?.artifact?.revision).toBe(sha256(await charts.index()));
  });

  it("authenticates with the secretRef's basic auth, and fails with Flux's reason on a wrong password", async () => {
    await createSecret(env, "chart-creds", { username: USER, password: PASSWORD });
    await createSecret(env, "wrong-creds", { username: USER, password: "nope" });
    await createRepo("private", { url: guarded.baseUrl, secretRef: { name: "chart-creds" } });
    const ok = await waitFor("private", readyNow, "Ready");
    expect(ok.status?.artifact?.revision).toBe(sha256(await charts.index()));

    await createRepo("private-wrong", { url: guarded.baseUrl, secretRef: { name: "wrong-creds" } });
    const failed = await waitFor("private-wrong", (o) => conditionOf(o, "Ready")?.status === "False", "Ready=False");
    const expected = `failed to fetch Helm repository index: failed to cache index to temporary file: failed to fetch ${guarded.baseUrl}/index.yaml : 401 Unauthorized`;
    expect(conditionOf(failed, "Ready")).toMatchObject({ reason: "Failed", message: expected });
    expect(conditionOf(failed, "FetchFailed")).toMatchObject({ status: "True", reason: "Failed", message: expected });
    expect(failed.status?.artifact).toBeUndefined();
    expect(JSON.stringify(failed.status)).not.toContain("nope");

    await createRepo("private-missing", { url: guarded.baseUrl, secretRef: { name: "absent" } });
    const missing = await waitFor("private-missing", (o) => conditionOf(o, "Ready")?.status === "False", "Ready=False");
    expect(conditionOf(missing, "Ready")).toMatchObject({ reason: "AuthenticationFailed" });
    expect(conditionOf(missing, "Ready")?.message).toMatch(
      /^failed to get authentication secret 'helm-test\/absent': /,
    );
  });

  it("fetches over HTTPS trusting certSecretRef's CA, and fails without it", async () => {
    await createSecret(env, "chart-ca", { "ca.crt": pki.caCert });
    await createSecret(env, "https-creds", { username: USER, password: PASSWORD });
    await createRepo("secure", {
      url: secure.baseUrl,
      secretRef: { name: "https-creds" },
      certSecretRef: { name: "chart-ca" },
    });
    const ok = await waitFor("secure", readyNow, "Ready");
    expect(ok.status?.artifact?.revision).toBe(sha256(await charts.index()));

    await createRepo("secure-untrusted", { url: secure.baseUrl, secretRef: { name: "https-creds" } });
    const failed = await waitFor("secure-untrusted", (o) => conditionOf(o, "Ready")?.status === "False", "Ready=False");
    expect(conditionOf(failed, "Ready")?.reason).toBe("Failed");
    expect(conditionOf(failed, "Ready")?.message).toMatch(
      new RegExp(
        `^failed to fetch Helm repository index: failed to cache index to temporary file: Get "${secure.baseUrl}/index.yaml": .*certificate`,
      ),
    );
  });

  it("fails naming the URL without credentials when the index is not found", async () => {
    await createRepo("notfound", { url: `http://someone:pw123@127.0.0.1:${new URL(open.baseUrl).port}/nowhere/` });
    const obj = await waitFor("notfound", (o) => conditionOf(o, "Ready")?.status === "False", "Ready=False");
    const message = conditionOf(obj, "Ready")?.message ?? "";
    expect(conditionOf(obj, "Ready")?.reason).toBe("Failed");
    expect(message).toContain(`failed to fetch ${open.baseUrl}/nowhere/index.yaml : 404 Not Found`);
    expect(message).not.toContain("pw123");
    expect(message).not.toContain("someone");
  });

  it("fails with IndexationFailed when the file is not a Helm repository index", async () => {
    await mkdir(join(charts.dir, "broken"), { recursive: true });
    await writeFile(join(charts.dir, "broken", "index.yaml"), "entries: {}\n");
    await createRepo("broken", { url: `${open.baseUrl}/broken` });
    const obj = await waitFor("broken", (o) => conditionOf(o, "Ready")?.status === "False", "Ready=False");
    expect(conditionOf(obj, "Ready")).toMatchObject({
      reason: "IndexationFailed",
      message: "failed to load Helm repository from index YAML: failed to load index: no API version specified",
    });
  });

  it("treats type oci as a static object: no artifact, no conditions, no finalizer", async () => {
    await createRepo("oci", { type: "oci", url: "oci://127.0.0.1:5000/charts" });
    // Converting a reconciled default repository to oci clears its status, finalizer and storage.
    await createRepo("converted", { url: open.baseUrl });
    const ready = await waitFor("converted", readyNow, "Ready");
    const dir = join(env.storagePath, `helmrepository/${NS}/converted`);
    expect(existsSync(join(env.storagePath, ready.status?.artifact?.path ?? "missing"))).toBe(true);
    await env.cluster.client.patch(
      ref("converted"),
      { spec: { type: "oci", url: "oci://127.0.0.1:5000/charts" } },
      { type: "application/merge-patch+json" },
    );
    const converted = await waitFor(
      "converted",
      (o) => !(o.metadata.finalizers ?? []).includes("finalizers.fluxcd.io") && o.status?.artifact === undefined,
      "static",
    );
    expect(converted.status?.conditions ?? []).toEqual([]);
    expect(converted.status?.url).toBeUndefined();
    expect(existsSync(dir)).toBe(false);

    const obj = await get("oci");
    expect(obj.status?.artifact).toBeUndefined();
    expect(obj.status?.conditions ?? []).toEqual([]);
    expect(obj.metadata.finalizers ?? []).not.toContain("finalizers.fluxcd.io");
  });

  it("suspended repositories are not fetched", async () => {
    open.requests.length = 0;
    await createRepo("paused", { url: `${open.baseUrl}/paused`, suspend: true });
    await waitFor("paused", (o) => (o.metadata.finalizers ?? []).includes("finalizers.fluxcd.io"), "finalizer");
    const at = await requestReconcile("paused");
    const obj = await waitFor("paused", (o) => o.status?.lastHandledReconcileAt === at, "handled");
    expect(obj.status?.artifact).toBeUndefined();
    expect(open.requests.filter((r) => r.path.startsWith("/paused"))).toEqual([]);
  });

  it("rewrites an artifact whose stored file no longer matches its digest", async () => {
    const before = await waitFor("podinfo", readyNow, "Ready");
    const file = join(env.storagePath, before.status?.artifact?.path ?? "missing");
    await writeFile(file, "tampered\n");
    const at = await requestReconcile("podinfo");
    const obj = await waitFor("podinfo", (o) => o.status?.lastHandledReconcileAt === at && readyNow(o), "handled");
    expect(obj.status?.artifact?.revision).toBe(before.status?.artifact?.revision);
    expect(obj.status?.artifact?.digest).toBe(before.status?.artifact?.digest);
    expect(sha256(await readFile(file))).toBe(before.status?.artifact?.digest);
    const events = await kubeEventsFor(env, "podinfo");
    expect(events.some((e) => e["reason"] === "ArtifactVerificationFailed" && e["type"] === "Warning")).toBe(true);
  });

  it("removes the object's storage on deletion", async () => {
    const obj = await waitFor("podinfo", readyNow, "Ready");
    const dir = join(env.storagePath, `helmrepository/${NS}/podinfo`);
    expect(existsSync(join(env.storagePath, obj.status?.artifact?.path ?? "missing"))).toBe(true);
    await env.cluster.client.delete(ref("podinfo"));
    const deadline = Date.now() + 30_000;
    while ((await env.cluster.client.getOptional(ref("podinfo"))) !== undefined) {
      if (Date.now() > deadline) throw new Error("HelmRepository not deleted");
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(existsSync(dir)).toBe(false);
  });
});
