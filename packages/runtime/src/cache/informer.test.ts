import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { FakeApiServer } from "../../test/support/fake-api-server.js";
import { KubeClient } from "../kube/kube-client.js";
import type { ApiObject } from "../kube/object-ref.js";
import type { Informer } from "./informer.js";
import { ObjectCache } from "./object-cache.js";

interface Kustomization extends ApiObject {
  spec: { sourceRef: { kind: string; name: string; namespace?: string } };
}

const apiVersion = "kustomize.toolkit.fluxcd.io/v1";
let server: FakeApiServer;
let client: KubeClient;
let cache: ObjectCache | undefined;

beforeAll(async () => {
  server = await FakeApiServer.start([
    { apiVersion, kind: "Kustomization", plural: "kustomizations", namespaced: true, statusSubresource: true },
    { apiVersion: "v1", kind: "Namespace", plural: "namespaces", namespaced: false },
  ]);
  client = KubeClient.fromKubeConfig(server.kubeConfig, { rateLimit: false });
});
afterAll(async () => {
  await server.stop();
});
afterEach(async () => {
  await cache?.stop();
  cache = undefined;
});

function ks(namespace: string, name: string, source: string): Kustomization {
  return {
    apiVersion,
    kind: "Kustomization",
    metadata: { namespace, name },
    spec: { sourceRef: { kind: "GitRepository", name: source } },
  };
}

async function until(check: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 5000;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

function sourceIndex(informer: Informer<Kustomization>): void {
  informer.addIndex("sourceRef", (k) => [
    `${k.spec.sourceRef.kind}/${k.spec.sourceRef.namespace ?? k.metadata.namespace}/${k.spec.sourceRef.name}`,
  ]);
}

describe("Informer", () => {
  it("lists, syncs, then follows adds, updates and deletes with indexes kept current", async () => {
    server.put(ks("apps", "one", "repo-a"));
    cache = new ObjectCache(client);
    const informer = cache.informerFor<Kustomization>(apiVersion, "Kustomization");
    sourceIndex(informer);
    const events: string[] = [];
    informer.addEventHandler({
      onAdd: (o) => events.push(`add ${o.metadata.name}`),
      onUpdate: (old, o) =>
        events.push(`update ${o.metadata.name} ${old.spec.sourceRef.name}->${o.spec.sourceRef.name}`),
      onDelete: (o) => events.push(`delete ${o.metadata.name}`),
    });
    expect(cache.hasSynced()).toBe(false);
    cache.start();
    await cache.waitForSync();
    expect(informer.get("apps/one")?.spec.sourceRef.name).toBe("repo-a");
    expect(informer.byIndex("sourceRef", "GitRepository/apps/repo-a").map((o) => o.metadata.name)).toEqual(["one"]);

    server.put(ks("apps", "two", "repo-a"));
    await until(() => informer.list().length === 2, "second object");
    server.put(ks("apps", "one", "repo-b"));
    await until(() => informer.byIndex("sourceRef", "GitRepository/apps/repo-b").length === 1, "index update");
    expect(informer.byIndex("sourceRef", "GitRepository/apps/repo-a").map((o) => o.metadata.name)).toEqual(["two"]);
    server.remove(apiVersion, "Kustomization", "apps", "two");
    await until(() => informer.get("apps/two") === undefined, "delete");
    expect(informer.byIndex("sourceRef", "GitRepository/apps/repo-a")).toEqual([]);
    expect(events).toEqual(["add one", "add two", "update one repo-a->repo-b", "delete two"]);
    server.remove(apiVersion, "Kustomization", "apps", "one");
  });

  it("gives out mutable copies from get and frozen shared objects from list", async () => {
    server.put(ks("frozen", "x", "r"));
    cache = new ObjectCache(client, { namespace: "frozen" });
    const informer = cache.informerFor<Kustomization>(apiVersion, "Kustomization");
    cache.start();
    await cache.waitForSync();
    const copy = informer.get({ namespace: "frozen", name: "x" });
    if (!copy) throw new Error("missing");
    copy.spec.sourceRef.name = "changed";
    expect(informer.get("frozen/x")?.spec.sourceRef.name).toBe("r");
    const shared = informer.list()[0] as Kustomization;
    expect(() => {
      shared.spec.sourceRef.name = "changed";
    }).toThrow(TypeError);
    server.remove(apiVersion, "Kustomization", "frozen", "x");
  });

  it("replays cached objects to handlers added after sync and scopes to one namespace", async () => {
    server.put(ks("team-a", "a", "r"));
    server.put(ks("team-b", "b", "r"));
    cache = new ObjectCache(client, { namespace: "team-a" });
    const informer = cache.informerFor<Kustomization>(apiVersion, "Kustomization");
    cache.start();
    await cache.waitForSync();
    const seen: string[] = [];
    informer.addEventHandler({ onAdd: (o) => seen.push(`${o.metadata.namespace}/${o.metadata.name}`) });
    expect(seen).toEqual(["team-a/a"]);
    server.remove(apiVersion, "Kustomization", "team-a", "a");
    server.remove(apiVersion, "Kustomization", "team-b", "b");
  });

  it("resumes after the watch connection drops without losing changes", async () => {
    cache = new ObjectCache(client);
    const informer = cache.informerFor<Kustomization>(apiVersion, "Kustomization");
    cache.start();
    await cache.waitForSync();
    server.dropWatches();
    server.put(ks("resume", "after-drop", "r"));
    await until(() => informer.get("resume/after-drop") !== undefined, "object created while the watch was down");
    server.remove(apiVersion, "Kustomization", "resume", "after-drop");
    await until(() => informer.get("resume/after-drop") === undefined, "delete after resume");
  });

  it("keeps retrying while the kind is not served and reports why it is not synced", async () => {
    cache = new ObjectCache(client);
    const informer = cache.informerFor(apiVersion.replace("v1", "v9"), "Kustomization");
    cache.start();
    await until(() => informer.error !== undefined, "an error");
    expect(cache.hasSynced()).toBe(false);
    expect(cache.unsynced()[0]).toMatch(/^Kustomization \(.*v9/);
  });

  it("serves cluster-scoped kinds", async () => {
    server.put({ apiVersion: "v1", kind: "Namespace", metadata: { name: "flux-system" } });
    cache = new ObjectCache(client);
    const informer = cache.informerFor("v1", "Namespace");
    cache.start();
    await cache.waitForSync();
    expect(informer.get("flux-system")?.metadata.name).toBe("flux-system");
  });
});
