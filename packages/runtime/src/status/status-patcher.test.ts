import type { Condition } from "@sluice/api";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { FakeApiServer } from "../../test/support/fake-api-server.js";
import { markReconciling, markTrue } from "../conditions/object-conditions.js";
import { KubeClient } from "../kube/kube-client.js";
import type { ApiObject } from "../kube/object-ref.js";
import { StatusPatcher } from "./status-patcher.js";

interface Repo extends ApiObject {
  spec: { url: string };
  status?: { observedGeneration?: number; conditions?: Condition[]; artifact?: { revision: string } };
}

const apiVersion = "source.toolkit.fluxcd.io/v1";
let server: FakeApiServer;
let client: KubeClient;

beforeAll(async () => {
  server = await FakeApiServer.start([
    { apiVersion, kind: "GitRepository", plural: "gitrepositories", namespaced: true, statusSubresource: true },
  ]);
  client = KubeClient.fromKubeConfig(server.kubeConfig, { rateLimit: false });
});
afterAll(async () => {
  await server.stop();
});

let n = 0;
let name: string;
beforeEach(() => {
  name = `repo-${++n}`;
  server.intercept = undefined;
});

async function createRepo(): Promise<Repo> {
  return client.create<Repo>({
    apiVersion,
    kind: "GitRepository",
    metadata: { name, namespace: "flux-system" },
    spec: { url: "https://example.com/repo.git" },
  });
}

function requestsFor(path: string) {
  return server.requests.filter((r) => r.method === "PATCH" && r.path.endsWith(path));
}

describe("StatusPatcher", () => {
  it("sends only what changed, to the status subresource, and nothing when nothing changed", async () => {
    const obj = await createRepo();
    const patcher = new StatusPatcher(client, obj, { fieldManager: "source-controller" });
    obj.status = { artifact: { revision: "main@sha1:abc" } };
    await patcher.patch(obj, { observedGeneration: true });
    const [first] = requestsFor(`/${name}/status`);
    expect(first?.body).toEqual({ status: { artifact: { revision: "main@sha1:abc" }, observedGeneration: 1 } });
    expect(first?.query.get("fieldManager")).toBe("source-controller");

    const before = server.requests.length;
    await patcher.patch(obj);
    expect(server.requests.length).toBe(before);

    delete obj.status.artifact;
    await patcher.patch(obj);
    expect(requestsFor(`/${name}/status`).at(-1)?.body).toEqual({ status: { artifact: null } });
    expect(server.get(apiVersion, "GitRepository", "flux-system", name)?.["status"]).toEqual({ observedGeneration: 1 });
  });

  it("guards condition writes with the resourceVersion", async () => {
    const obj = await createRepo();
    const readVersion = obj.metadata.resourceVersion;
    expect(readVersion).toBeDefined();
    const patcher = new StatusPatcher(client, obj);
    markReconciling(obj, "Progressing", "reconciling");
    await patcher.patch(obj);
    const body = requestsFor(`/${name}/status`).at(-1)?.body as { metadata?: { resourceVersion?: string } };
    expect(body.metadata?.resourceVersion).toBe(readVersion);
    expect(obj.metadata.resourceVersion).not.toBe(readVersion);
    const stored = server.get(apiVersion, "GitRepository", "flux-system", name);
    expect(stored?.metadata.resourceVersion).toBe(obj.metadata.resourceVersion);
  });

  it("on a conflict re-reads, keeps another writer's conditions and retries", async () => {
    const obj = await createRepo();
    const patcher = new StatusPatcher(client, obj);
    // Someone else writes a condition after we read the object.
    const stored = server.get(apiVersion, "GitRepository", "flux-system", name)!;
    server.put({
      ...stored,
      status: {
        conditions: [
          { type: "Foreign", status: "True", reason: "Other", message: "", lastTransitionTime: "2024-01-01T00:00:00Z" },
        ],
      },
    });
    markTrue(obj, "ArtifactInStorage", "Succeeded", "stored");
    await patcher.patch(obj);
    const patches = requestsFor(`/${name}/status`);
    expect(patches).toHaveLength(2);
    const final = server.get(apiVersion, "GitRepository", "flux-system", name)?.["status"] as Repo["status"];
    expect(final?.conditions?.map((c) => c.type)).toEqual(["ArtifactInStorage", "Foreign"]);
    expect(obj.status?.conditions?.map((c) => c.type)).toEqual(["ArtifactInStorage", "Foreign"]);
  });

  it("adds and removes finalizers on the main resource, merging with others' finalizers on conflict", async () => {
    const obj = await createRepo();
    const patcher = new StatusPatcher(client, obj);
    const stored = server.get(apiVersion, "GitRepository", "flux-system", name)!;
    server.put({ ...stored, metadata: { ...stored.metadata, finalizers: ["other.io/finalizer"] } });
    obj.metadata.finalizers = ["finalizers.fluxcd.io"];
    await patcher.patch(obj);
    const main = requestsFor(`/gitrepositories/${name}`);
    expect(main).toHaveLength(2);
    expect(main[0]?.body).toMatchObject({ metadata: { finalizers: ["finalizers.fluxcd.io"] } });
    expect(obj.metadata.finalizers).toEqual(["other.io/finalizer", "finalizers.fluxcd.io"]);
    expect(server.get(apiVersion, "GitRepository", "flux-system", name)?.metadata["finalizers"]).toEqual([
      "other.io/finalizer",
      "finalizers.fluxcd.io",
    ]);
  });

  it("lets a deleted object go when its last finalizer is removed", async () => {
    const obj = await createRepo();
    obj.metadata.finalizers = ["finalizers.fluxcd.io"];
    await new StatusPatcher(
      client,
      await client.get<Repo>({ apiVersion, kind: "GitRepository", namespace: "flux-system", name }),
    ).patch(obj);
    await client.delete({ apiVersion, kind: "GitRepository", namespace: "flux-system", name });
    const deleting = await client.get<Repo>({ apiVersion, kind: "GitRepository", namespace: "flux-system", name });
    expect(deleting.metadata.deletionTimestamp).toBeDefined();
    const patcher = new StatusPatcher(client, deleting);
    deleting.metadata.finalizers = [];
    markTrue(deleting, "Ready", "Succeeded", "deleted");
    await patcher.patch(deleting);
    expect(server.get(apiVersion, "GitRepository", "flux-system", name)).toBeUndefined();
  });

  it("gives up after maxAttempts conflicts with the ApiError", async () => {
    const obj = await createRepo();
    const patcher = new StatusPatcher(client, obj, { maxAttempts: 2 });
    server.intercept = (req, res) => {
      if (req.method !== "PATCH") return false;
      res.writeHead(409, { "content-type": "application/json" });
      res.end(JSON.stringify({ kind: "Status", reason: "Conflict", message: "modified", code: 409 }));
      return true;
    };
    markTrue(obj, "Ready", "Succeeded", "ok");
    await expect(patcher.patch(obj)).rejects.toMatchObject({ name: "ApiError", status: 409, reason: "Conflict" });
    expect(requestsFor(`/${name}/status`)).toHaveLength(2);
  });
});
