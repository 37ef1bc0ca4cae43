import type { Artifact, Condition } from "@sluice/api";
import { GitRepositoryKind } from "@sluice/api";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { type EmbeddedTestCluster, startEmbeddedCluster } from "../../test/support/test-cluster.js";
import { ensureNamespaces, installFluxCrds } from "../../test/support/test-crd.js";
import { markReconciling, markTrue } from "../conditions/object-conditions.js";
import { KubeClient } from "../kube/kube-client.js";
import type { ApiObject, ObjectRef } from "../kube/object-ref.js";
import { StatusPatcher } from "./status-patcher.js";

interface Repo extends ApiObject {
  spec: { url: string; interval?: string };
  status?: { observedGeneration?: number; conditions?: Condition[]; artifact?: Artifact; observedIgnore?: string };
}

const apiVersion = "source.toolkit.fluxcd.io/v1";
let cluster: EmbeddedTestCluster;
/** The client the patchers write through. */
let client: KubeClient;
/** Another writer (a second controller, or a user with kubectl). */
let rival: KubeClient;

beforeAll(async () => {
  cluster = await startEmbeddedCluster();
  client = KubeClient.fromKubeConfig(cluster.kubeConfig, { rateLimit: false });
  rival = cluster.client;
  await installFluxCrds(rival, GitRepositoryKind);
  await ensureNamespaces(rival, "flux-system");
}, 30_000);
afterAll(async () => {
  client?.close();
  await cluster?.stop();
});

let n = 0;
let name: string;
let ref: ObjectRef;
beforeEach(() => {
  name = `repo-${++n}`;
  ref = { apiVersion, kind: "GitRepository", namespace: "flux-system", name };
});

async function createRepo(): Promise<Repo> {
  return client.create<Repo>({
    apiVersion,
    kind: "GitRepository",
    metadata: { name, namespace: "flux-system" },
    spec: { url: "https://github.com/stefanprodan/podinfo", interval: "1m" },
  });
}

function artifact(revision: string): Artifact {
  return {
    path: `gitrepository/flux-system/${name}/${revision.slice(-7)}.tar.gz`,
    url: `http://source-controller.flux-system.svc.cluster.local./gitrepository/flux-system/${name}/latest.tar.gz`,
    revision,
    digest: "sha256:2cf5bd0b9d4d3f5a0d4f4c4a3f5bd0b9d4d3f5a0d4f4c4a3f5bd0b9d4d3f5a0d",
    lastUpdateTime: "2025-01-01T00:00:00Z",
  };
}

const stored = () => rival.get<Repo>(ref);

/** Field manager of the other writer's requests, which tells them apart in the audit log. */
const RIVAL = "rival";

/** The other writer's merge patch of the object (or of its status). */
async function rivalPatch(patch: object, subresource?: "status"): Promise<void> {
  await rival.patch(ref, patch, {
    type: "application/merge-patch+json",
    fieldManager: RIVAL,
    ...(subresource ? { subresource } : {}),
  });
}

/** The patcher's PATCH requests of this object's main resource or status, as the API server answered them. */
function patches(subresource?: "status"): number[] {
  const path = `/namespaces/flux-system/gitrepositories/${name}${subresource ? `/${subresource}` : ""}`;
  return cluster.server
    .auditEvents()
    .filter((e) => {
      const [p = "", query = ""] = e.path.split("?");
      return e.verb === "PATCH" && p.endsWith(path) && new URLSearchParams(query).get("fieldManager") !== RIVAL;
    })
    .map((e) => e.code);
}

describe("StatusPatcher", () => {
  it("sends only what changed, to the status subresource, and nothing when nothing changed", async () => {
    const obj = await createRepo();
    const patcher = new StatusPatcher(client, obj, { fieldManager: "source-controller" });
    obj.status = { ...obj.status, artifact: artifact("main@sha1:1111111"), observedIgnore: "mine" };
    await patcher.patch(obj, { observedGeneration: true });
    expect(patches("status")).toEqual([200]);
    expect(patches()).toEqual([]);
    let live = await stored();
    expect(live.status).toEqual({
      artifact: artifact("main@sha1:1111111"),
      observedIgnore: "mine",
      observedGeneration: 1,
    });
    const managers = (live.metadata.managedFields ?? []) as { manager: string; subresource?: string }[];
    expect(managers).toContainEqual(expect.objectContaining({ manager: "source-controller", subresource: "status" }));

    await patcher.patch(obj);
    expect(patches("status")).toHaveLength(1);

    // Someone else changes a field we wrote before; we only change the artifact, so their value stays.
    await rivalPatch({ status: { observedIgnore: "theirs" } }, "status");
    obj.status.artifact = artifact("main@sha1:2222222");
    await patcher.patch(obj);
    live = await stored();
    expect(live.status?.artifact?.revision).toBe("main@sha1:2222222");
    expect(live.status?.observedIgnore).toBe("theirs");

    delete obj.status.artifact;
    await patcher.patch(obj);
    expect(patches("status")).toEqual([200, 200, 200]);
    expect((await stored()).status).toEqual({ observedGeneration: 1, observedIgnore: "theirs" });
  });

  it("guards condition writes with the resourceVersion, and only those", async () => {
    const obj = await createRepo();
    const patcher = new StatusPatcher(client, obj);
    // The object changes after we read it; a status write without conditions does not care.
    await rivalPatch({ metadata: { labels: { touched: "1" } } });
    obj.status = { ...obj.status, observedIgnore: "x" };
    await patcher.patch(obj);
    expect(patches("status")).toEqual([200]);
    // It changes again; a condition write was based on an older version, is refused, and retried.
    await rivalPatch({ metadata: { labels: { touched: "2" } } });
    markReconciling(obj, "Progressing", "reconciling");
    await patcher.patch(obj);
    expect(patches("status")).toEqual([200, 409, 200]);
    const live = await stored();
    expect(obj.metadata.resourceVersion).toBe(live.metadata.resourceVersion);
    expect(live.status?.conditions?.map((c) => c.type)).toEqual(["Reconciling"]);
  });

  it("on a conflict re-reads, keeps another writer's conditions and retries", async () => {
    const obj = await createRepo();
    const patcher = new StatusPatcher(client, obj);
    // Someone else writes a condition after we read the object.
    await rivalPatch(
      {
        status: {
          conditions: [
            {
              type: "Foreign",
              status: "True",
              reason: "Other",
              message: "",
              lastTransitionTime: "2024-01-01T00:00:00Z",
            },
          ],
        },
      },
      "status",
    );
    markTrue(obj, "ArtifactInStorage", "Succeeded", "stored");
    await patcher.patch(obj);
    expect(patches("status")).toEqual([409, 200]);
    const final = (await stored()).status;
    expect(final?.conditions?.map((c) => c.type)).toEqual(["ArtifactInStorage", "Foreign"]);
    expect(obj.status?.conditions?.map((c) => c.type)).toEqual(["ArtifactInStorage", "Foreign"]);
  });

  it("adds and removes finalizers on the main resource, merging with others' finalizers on conflict", async () => {
    const obj = await createRepo();
    const patcher = new StatusPatcher(client, obj);
    await rivalPatch({ metadata: { finalizers: ["other.io/finalizer"] } });
    obj.metadata.finalizers = ["finalizers.fluxcd.io"];
    await patcher.patch(obj);
    expect(patches()).toEqual([409, 200]);
    expect(patches("status")).toEqual([]);
    expect(obj.metadata.finalizers).toEqual(["other.io/finalizer", "finalizers.fluxcd.io"]);
    expect((await stored()).metadata.finalizers).toEqual(["other.io/finalizer", "finalizers.fluxcd.io"]);

    obj.metadata.finalizers = ["other.io/finalizer"];
    await patcher.patch(obj);
    expect((await stored()).metadata.finalizers).toEqual(["other.io/finalizer"]);
    await rivalPatch({ metadata: { finalizers: null } });
  });

  it("hands the API server's answer to every finalizer and status write to onWrite", async () => {
    const obj = await createRepo();
    const seen: string[] = [];
    const patcher = new StatusPatcher(client, obj, {
      onWrite: (w) => seen.push(`${w.metadata.resourceVersion}:${(w as Repo).status?.observedGeneration ?? "-"}`),
    });
    obj.metadata.finalizers = ["finalizers.fluxcd.io"];
    await patcher.patch(obj);
    obj.status = { observedGeneration: 3 };
    await patcher.patch(obj);
    await patcher.patch(obj);
    const after = await stored();
    expect(seen).toHaveLength(2);
    expect(seen[1]).toBe(`${after.metadata.resourceVersion}:3`);
    expect(obj.metadata.resourceVersion).toBe(after.metadata.resourceVersion);
  });

  it("lets a deleted object go when its last finalizer is removed", async () => {
    const obj = await createRepo();
    obj.metadata.finalizers = ["finalizers.fluxcd.io"];
    await new StatusPatcher(client, await client.get<Repo>(ref)).patch(obj);
    await client.delete(ref);
    const deleting = await client.get<Repo>(ref);
    expect(deleting.metadata.deletionTimestamp).toBeDefined();
    const patcher = new StatusPatcher(client, deleting);
    deleting.metadata.finalizers = [];
    markTrue(deleting, "Ready", "Succeeded", "deleted");
    await patcher.patch(deleting);
    expect(await client.getOptional(ref)).toBeUndefined();
  });

  it("gives up after maxAttempts conflicts with the ApiError", async () => {
    const obj = await createRepo();
    // A patcher whose every re-read is followed by another writer's change, so each retry conflicts again.
    const contended = KubeClient.fromKubeConfig(cluster.kubeConfig, { rateLimit: false });
    const read = contended.get.bind(contended);
    let writes = 0;
    const bump = () => rivalPatch({ metadata: { labels: { bump: String(++writes) } } });
    contended.get = (async (target: ObjectRef) => {
      const fresh = await read(target);
      await bump();
      return fresh;
    }) as KubeClient["get"];
    try {
      const patcher = new StatusPatcher(contended, obj, { maxAttempts: 2 });
      await bump();
      markTrue(obj, "Ready", "Succeeded", "ok");
      await expect(patcher.patch(obj)).rejects.toMatchObject({ name: "ApiError", status: 409, reason: "Conflict" });
      expect(patches("status")).toEqual([409, 409]);
      expect((await stored()).status?.conditions).toBeUndefined();
    } finally {
      contended.close();
    }
  });
});
