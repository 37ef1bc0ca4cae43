// The ArtifactGenerator against the embedded API server, a real Git server and the real source-controller:
// flux2-kustomize-helm-example's generator splits a monorepo into ExternalArtifacts served by source-watcher's
// own artifact server; only artifacts whose content changed get a new revision; orphans and deletions clean up.

import { readdir } from "node:fs/promises";
import { join, relative } from "node:path";
import type { Artifact, Condition } from "@sluice/api";
import { fetchArtifact, type UnstructuredObject } from "@sluice/runtime";
import { createSourceController, type SourceController } from "@sluice/source-controller";
import {
  type ApiCluster,
  applyChartCrds,
  createFixtureRepo,
  ensureNamespace,
  type FixtureRepo,
  type GitHttpServer,
  startApiCluster,
  startGitHttpServer,
  tempDir,
} from "@sluice/testkit";
import { pino } from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createSourceWatcher, type SourceWatcher } from "../src/index.js";

const NS = "flux-system";
const SOURCE_API = "source.toolkit.fluxcd.io/v1";
const AG_API = "source.extensions.fluxcd.io/v1beta1";
type Obj = UnstructuredObject & {
  status?: { conditions?: Condition[]; artifact?: Artifact; inventory?: Array<{ name: string; digest: string }> };
};

let dir: Awaited<ReturnType<typeof tempDir>>;
let repo: FixtureRepo;
let git: GitHttpServer;
let cluster: ApiCluster;
let source: SourceController;
let watcher: SourceWatcher;
const abort = new AbortController();

const ready = (o: Obj | undefined) => o?.status?.conditions?.find((c) => c.type === "Ready");
async function waitFor(
  ref: { apiVersion: string; kind: string; name: string },
  check: (o: Obj | undefined) => boolean,
  what: string,
) {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const o = await cluster.client.getOptional<Obj>({ ...ref, namespace: NS });
    if (check(o)) return o as Obj;
    if (Date.now() > deadline)
      throw new Error(`timed out waiting for ${ref.kind}/${ref.name}: ${what}: ${JSON.stringify(o?.status)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
const ea = (name: string) => ({ apiVersion: SOURCE_API, kind: "ExternalArtifact", name });
const generator = { apiVersion: AG_API, kind: "ArtifactGenerator", name: "flux-system" };

async function files(artifact: Artifact): Promise<string[]> {
  const fetched = await fetchArtifact(artifact.url, artifact.digest);
  const out: string[] = [];
  const walk = async (d: string) => {
    for (const e of await readdir(d, { withFileTypes: true })) {
      if (e.isDirectory()) await walk(join(d, e.name));
      else out.push(relative(fetched.dir, join(d, e.name)));
    }
  };
  await walk(fetched.dir);
  return out.sort();
}

async function pushAndReconcile(files: Record<string, string>): Promise<string> {
  await repo.commit(files, "update");
  await repo.push();
  const sha = await repo.git(["rev-parse", "HEAD"]);
  await cluster.client.patch(
    { apiVersion: SOURCE_API, kind: "GitRepository", namespace: NS, name: "flux-system" },
    { metadata: { annotations: { "reconcile.fluxcd.io/requestedAt": String(Date.now()) } } },
    { type: "application/merge-patch+json" },
  );
  return sha;
}

beforeAll(async () => {
  dir = await tempDir("sw-test-");
  repo = await createFixtureRepo(dir.path, "fleet");
  await repo.commit(
    {
      "apps/base/podinfo/kustomization.yaml": "resources:\n  - release.yaml\n",
      "apps/base/podinfo/release.yaml": "kind: HelmRelease\n",
      "apps/staging/kustomization.yaml": "resources:\n  - ../base/podinfo\n",
      "apps/production/kustomization.yaml": "resources:\n  - ../base/podinfo\n",
      "infrastructure/controllers/kustomization.yaml": "resources: []\n",
      "infrastructure/configs/kustomization.yaml": "resources: []\n",
      "clusters/staging/apps.yaml": "kind: Kustomization\n",
    },
    "initial",
  );
  await repo.push();
  git = await startGitHttpServer({ root: dir.path });
  cluster = await startApiCluster();
  await applyChartCrds(cluster.client, "source.");
  await ensureNamespace(cluster.client, NS);
  const logger = pino({ level: "silent" });
  const common = {
    kubeConfig: cluster.kubeConfig,
    metricsAddr: "0",
    healthAddr: "0",
    retryDelay: { min: 200, max: 2_000 },
    rateLimit: false as const,
    logger,
  };
  source = createSourceController({ ...common, storagePath: join(dir.path, "sc"), storageAddr: "127.0.0.1:0" });
  watcher = createSourceWatcher({
    ...common,
    storagePath: join(dir.path, "sw"),
    storageAddr: "127.0.0.1:0",
    requeueDependencyMs: 300,
  });
  source.start(abort.signal).catch(() => undefined);
  watcher.start(abort.signal).catch(() => undefined);
  await Promise.all([source.ready(), watcher.ready()]);
  await cluster.client.create({
    apiVersion: SOURCE_API,
    kind: "GitRepository",
    metadata: { namespace: NS, name: "flux-system" },
    spec: { interval: "10m", url: git.url("fleet.git"), ref: { branch: "master" } },
  } as UnstructuredObject);
}, 120_000);
afterAll(async () => {
  abort.abort();
  await Promise.all([source?.stop(), watcher?.stop()]);
  await cluster?.stop();
  await git?.stop();
  await dir?.remove();
}, 30_000);

describe("ArtifactGenerator", () => {
  it("splits the monorepo into the example's infrastructure and apps ExternalArtifacts, served by source-watcher", async () => {
    await cluster.client.create({
      apiVersion: AG_API,
      kind: "ArtifactGenerator",
      metadata: { namespace: NS, name: "flux-system" },
      spec: {
        sources: [{ alias: "monorepo", kind: "GitRepository", name: "flux-system" }],
        artifacts: [
          {
            name: "infrastructure",
            originRevision: "@monorepo",
            copy: [{ from: "@monorepo/infrastructure/**", to: "@artifact/" }],
          },
          {
            name: "apps",
            originRevision: "@monorepo",
            copy: [
              { from: "@monorepo/apps/base/**", to: "@artifact/base/" },
              { from: "@monorepo/apps/staging/**", to: "@artifact/staging/" },
            ],
          },
        ],
      },
    } as UnstructuredObject);
    const ag = await waitFor(generator, (o) => ready(o)?.status === "True", "Ready");
    expect(ready(ag)?.message).toBe("reconciliation succeeded, generated 2 artifact(s)");
    expect(ag.status?.inventory?.map((r) => r.name)).toEqual(["infrastructure", "apps"]);
    const gitRepo = await waitFor(
      { apiVersion: SOURCE_API, kind: "GitRepository", name: "flux-system" },
      (o) => !!o?.status?.artifact,
      "artifact",
    );

    const apps = await waitFor(ea("apps"), (o) => !!o?.status?.artifact, "artifact");
    expect(apps.status?.artifact?.revision).toBe(`latest@${apps.status?.artifact?.digest}`);
    expect(apps.status?.artifact?.metadata?.["org.opencontainers.image.revision"]).toBe(
      gitRepo.status?.artifact?.revision,
    );
    expect(apps.metadata.labels).toMatchObject({
      "app.kubernetes.io/managed-by": "source-watcher",
      "source.extensions.fluxcd.io/generator": ag.metadata.uid,
    });
    expect(apps.spec).toEqual({
      sourceRef: { apiVersion: AG_API, kind: "ArtifactGenerator", name: "flux-system", namespace: NS },
    });
    expect(ready(apps)).toMatchObject({ status: "True", reason: "Succeeded", message: "Artifact is ready" });
    expect(await files(apps.status?.artifact as Artifact)).toEqual([
      "base/podinfo/kustomization.yaml",
      "base/podinfo/release.yaml",
      "staging/kustomization.yaml",
    ]);
    const infra = await waitFor(ea("infrastructure"), (o) => !!o?.status?.artifact, "artifact");
    expect(await files(infra.status?.artifact as Artifact)).toEqual([
      "configs/kustomization.yaml",
      "controllers/kustomization.yaml",
    ]);
  });

  it("gives a new revision only to the artifact whose content changed", async () => {
    const before = {
      apps: (await waitFor(ea("apps"), (o) => !!o, "exists")).status?.artifact as Artifact,
      infra: (await waitFor(ea("infrastructure"), (o) => !!o, "exists")).status?.artifact as Artifact,
    };
    const sha = await pushAndReconcile({ "apps/staging/podinfo-values.yaml": "kind: HelmRelease\n" });
    const apps = await waitFor(
      ea("apps"),
      (o) => (o?.status?.artifact?.metadata?.["org.opencontainers.image.revision"] ?? "").endsWith(sha),
      "new origin revision",
    );
    expect(apps.status?.artifact?.digest).not.toBe(before.apps.digest);
    expect(await files(apps.status?.artifact as Artifact)).toContain("staging/podinfo-values.yaml");
    const infra = await waitFor(ea("infrastructure"), (o) => !!o, "exists");
    expect(infra.status?.artifact?.digest).toBe(before.infra.digest);
    expect(infra.status?.artifact?.revision).toBe(before.infra.revision);
  });

  it("deletes the ExternalArtifact of an artifact removed from the spec, and all of them with the generator", async () => {
    await cluster.client.patch({ ...generator, namespace: NS }, [{ op: "remove", path: "/spec/artifacts/0" }], {
      type: "application/json-patch+json",
    });
    await waitFor(ea("infrastructure"), (o) => o === undefined, "deleted");
    await waitFor(generator, (o) => o?.status?.inventory?.length === 1, "inventory of one");
    await cluster.client.delete({ ...generator, namespace: NS });
    await waitFor(ea("apps"), (o) => o === undefined, "deleted with the generator");
    await waitFor(generator, (o) => o === undefined, "finalized");
  });

  it("stalls on a duplicate alias, and waits with SourceFetchFailed for a missing source", async () => {
    await cluster.client.create({
      apiVersion: AG_API,
      kind: "ArtifactGenerator",
      metadata: { namespace: NS, name: "dup" },
      spec: {
        sources: [
          { alias: "a", kind: "GitRepository", name: "flux-system" },
          { alias: "a", kind: "GitRepository", name: "other" },
        ],
        artifacts: [{ name: "x", copy: [{ from: "@a/apps/**", to: "@artifact/" }] }],
      },
    } as UnstructuredObject);
    const dup = await waitFor({ ...generator, name: "dup" }, (o) => ready(o)?.status === "False", "not ready");
    expect(ready(dup)).toMatchObject({ reason: "ValidationFailed", message: "duplicate source alias 'a' found" });
    expect(dup.status?.conditions?.find((c) => c.type === "Stalled")?.status).toBe("True");

    await cluster.client.create({
      apiVersion: AG_API,
      kind: "ArtifactGenerator",
      metadata: { namespace: NS, name: "missing" },
      spec: {
        sources: [{ alias: "a", kind: "OCIRepository", name: "nowhere" }],
        artifacts: [{ name: "y", copy: [{ from: "@a/**", to: "@artifact/" }] }],
      },
    } as UnstructuredObject);
    const missing = await waitFor({ ...generator, name: "missing" }, (o) => ready(o)?.status === "False", "not ready");
    expect(ready(missing)).toMatchObject({
      reason: "SourceFetchFailed",
      message: "get sources failed: OCIRepository 'flux-system/nowhere' not found",
    });
  });

  it("pathPattern: one ExternalArtifact per matching directory, named and labelled from the captures", async () => {
    await cluster.client.create({
      apiVersion: AG_API,
      kind: "ArtifactGenerator",
      metadata: { namespace: NS, name: "per-env" },
      spec: {
        sources: [{ alias: "repo", kind: "GitRepository", name: "flux-system" }],
        pathPattern: "@repo/apps/{env}",
        artifacts: [{ name: "apps-{env}", copy: [{ from: "@repo/apps/{env}/**", to: "@artifact/" }] }],
      },
    } as UnstructuredObject);
    // apps/base matches too (it is a directory under apps/), as in Flux.
    const gen = await waitFor({ ...generator, name: "per-env" }, (o) => ready(o)?.status === "True", "ready");
    expect(ready(gen)?.message).toBe("reconciliation succeeded, generated 3 artifact(s)");
    expect(gen.status?.inventory?.map((r) => r.name)).toEqual(["apps-base", "apps-production", "apps-staging"]);
    const staging = await waitFor(ea("apps-staging"), (o) => !!o?.status?.artifact, "stored");
    expect((staging as UnstructuredObject).metadata.labels).toMatchObject({
      env: "staging",
      "app.kubernetes.io/managed-by": "source-watcher",
    });
    expect(await files(staging.status?.artifact as Artifact)).toEqual(["kustomization.yaml", "podinfo-values.yaml"]);

    // A new matching directory adds an artifact; a removed one's ExternalArtifact is deleted.
    await repo.git(["rm", "-r", "-q", "apps/production"]);
    await pushAndReconcile({ "apps/dev/kustomization.yaml": "resources: []\n" });
    await waitFor(ea("apps-dev"), (o) => !!o?.status?.artifact, "added");
    await waitFor(ea("apps-production"), (o) => o === undefined, "deleted");
  });

  it("pathPattern: stalls with BuildFailed when two directories render the same artifact name", async () => {
    await cluster.client.create({
      apiVersion: AG_API,
      kind: "ArtifactGenerator",
      metadata: { namespace: NS, name: "collide" },
      spec: {
        sources: [{ alias: "repo", kind: "GitRepository", name: "flux-system" }],
        pathPattern: "@repo/{top}/{sub}",
        artifacts: [{ name: "x-{sub}", copy: [{ from: "@repo/{top}/{sub}/**", to: "@artifact/" }] }],
      },
    } as UnstructuredObject);
    const obj = await waitFor({ ...generator, name: "collide" }, (o) => ready(o)?.status === "False", "failed");
    expect(ready(obj)?.reason).toBe("BuildFailed");
    expect(ready(obj)?.message).toMatch(
      /^failed to expand path pattern: pathPattern "@repo\/\{top\}\/\{sub\}": directories ".+" and ".+" both resolve to artifact name "x-/,
    );
    expect(obj.status?.conditions?.find((c) => c.type === "Stalled")?.status).toBe("True");
  });
});
