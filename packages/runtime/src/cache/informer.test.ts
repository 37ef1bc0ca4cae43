import { KustomizationKind } from "@sluice/api";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { type EmbeddedTestCluster, startEmbeddedCluster } from "../../test/support/test-cluster.js";
import { ensureNamespaces, installFluxCrds } from "../../test/support/test-crd.js";
import type { KubeClient } from "../kube/kube-client.js";
import type { ApiObject } from "../kube/object-ref.js";
import type { Informer } from "./informer.js";
import { ObjectCache } from "./object-cache.js";

interface Kustomization extends ApiObject {
  spec: { sourceRef: { kind: string; name: string; namespace?: string }; interval?: string; prune?: boolean };
}

const apiVersion = "kustomize.toolkit.fluxcd.io/v1";
let cluster: EmbeddedTestCluster;
let client: KubeClient;
let cache: ObjectCache | undefined;

beforeAll(async () => {
  // Persistent storage, so that a test can restart the API server under a running informer.
  cluster = await startEmbeddedCluster({ persistent: true });
  client = cluster.client;
  await installFluxCrds(client, KustomizationKind);
  await ensureNamespaces(client, "apps", "strip", "frozen", "team-a", "team-b", "resume", "relist", "ryw");
}, 30_000);
afterAll(async () => {
  await cluster?.stop();
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

/** Creates or updates a Kustomization as another client would (server-side apply). */
async function put(obj: Kustomization, through: KubeClient = client): Promise<void> {
  const body: Kustomization = { ...obj, spec: { interval: "10m", prune: true, ...obj.spec } };
  await through.apply(body, { fieldManager: "informer-test", force: true });
}

async function remove(namespace: string, name: string, through: KubeClient = client): Promise<void> {
  await through.delete({ apiVersion, kind: "Kustomization", namespace, name });
}

async function until(check: () => boolean, what: string, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
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

/** Lists (GETs of the collection that are not watches) of Kustomizations the current server answered. */
function kustomizationLists(): string[] {
  return cluster.server
    .auditEvents()
    .filter((e) => e.verb === "GET" && /\/kustomizations(\?|$)/.test(e.path) && !/[?&]watch=(true|1)/.test(e.path))
    .map((e) => e.path);
}

function recordEvents(informer: Informer<Kustomization>): string[] {
  const events: string[] = [];
  informer.addEventHandler({
    onAdd: (o) => events.push(`add ${o.metadata.name}`),
    onUpdate: (old, o) => events.push(`update ${o.metadata.name} ${old.spec.sourceRef.name}->${o.spec.sourceRef.name}`),
    onDelete: (o) => events.push(`delete ${o.metadata.name}`),
  });
  return events;
}

describe("Informer", () => {
  it("lists, syncs, then follows adds, updates and deletes with indexes kept current", async () => {
    await put(ks("apps", "one", "repo-a"));
    cache = new ObjectCache(client, { namespace: "apps" });
    const informer = cache.informerFor<Kustomization>(apiVersion, "Kustomization");
    sourceIndex(informer);
    const events = recordEvents(informer);
    expect(cache.hasSynced()).toBe(false);
    cache.start();
    await cache.waitForSync();
    expect(informer.get("apps/one")?.spec.sourceRef.name).toBe("repo-a");
    expect(informer.byIndex("sourceRef", "GitRepository/apps/repo-a").map((o) => o.metadata.name)).toEqual(["one"]);

    await put(ks("apps", "two", "repo-a"));
    await until(() => informer.list().length === 2, "second object");
    await put(ks("apps", "one", "repo-b"));
    await until(() => informer.byIndex("sourceRef", "GitRepository/apps/repo-b").length === 1, "index update");
    expect(informer.byIndex("sourceRef", "GitRepository/apps/repo-a").map((o) => o.metadata.name)).toEqual(["two"]);
    await remove("apps", "two");
    await until(() => informer.get("apps/two") === undefined, "delete");
    expect(informer.byIndex("sourceRef", "GitRepository/apps/repo-a")).toEqual([]);
    expect(events).toEqual(["add one", "add two", "update one repo-a->repo-b", "delete two"]);
    await remove("apps", "one");
  });

  it("gives out mutable copies from get and frozen shared objects from list", async () => {
    await put(ks("frozen", "x", "r"));
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
    await remove("frozen", "x");
  });

  it("replays cached objects to handlers added after sync and scopes to one namespace", async () => {
    await put(ks("team-a", "a", "r"));
    await put(ks("team-b", "b", "r"));
    cache = new ObjectCache(client, { namespace: "team-a" });
    const informer = cache.informerFor<Kustomization>(apiVersion, "Kustomization");
    cache.start();
    await cache.waitForSync();
    const seen: string[] = [];
    informer.addEventHandler({ onAdd: (o) => seen.push(`${o.metadata.namespace}/${o.metadata.name}`) });
    expect(seen).toEqual(["team-a/a"]);
    // A handler reading the cache itself asks for no replay; `cached` is the frozen entry, by key.
    const unreplayed: string[] = [];
    informer.addEventHandler({ onAdd: (o) => unreplayed.push(`${o.metadata.name}`) }, { replay: false });
    expect(unreplayed).toEqual([]);
    expect(Object.isFrozen(informer.cached("team-a/a"))).toBe(true);
    expect(informer.cached("team-b/b")).toBeUndefined();
    await remove("team-a", "a");
    await remove("team-b", "b");
  });

  it("resumes its watch from the last resourceVersion after the API server restarts, without listing again", async () => {
    cache = new ObjectCache(client, { namespace: "resume" });
    const informer = cache.informerFor<Kustomization>(apiVersion, "Kustomization");
    cache.start();
    await cache.waitForSync();
    // The informer's resourceVersion is the newest one when the server goes down: nothing to catch up on.
    await put(ks("resume", "before", "r"));
    await until(() => informer.get("resume/before") !== undefined, "object created before the restart");
    await cluster.restart();
    await put(ks("resume", "after-restart", "r"));
    await until(() => informer.get("resume/after-restart") !== undefined, "object created after the restart");
    await remove("resume", "after-restart");
    await until(() => informer.get("resume/after-restart") === undefined, "delete after the restart");
    expect(kustomizationLists()).toEqual([]);
    await remove("resume", "before");
  });

  it("lists again when its resourceVersion expired across a restart, delivering what it missed", async () => {
    await put(ks("relist", "kept", "repo-a"));
    await put(ks("relist", "deleted", "repo-a"));
    cache = new ObjectCache(client, { namespace: "relist" });
    const informer = cache.informerFor<Kustomization>(apiVersion, "Kustomization");
    const events = recordEvents(informer);
    cache.start();
    await cache.waitForSync();
    // Changes made while the informer is cut off; the restarted server keeps no watch history from before it.
    await cluster.restart(async (meanwhile) => {
      await remove("relist", "deleted", meanwhile);
      await put(ks("relist", "kept", "repo-b"), meanwhile);
      await put(ks("relist", "created", "repo-a"), meanwhile);
    });
    await until(() => informer.keys().sort().join() === "relist/created,relist/kept", "relist after 410 Expired");
    expect(informer.get("relist/kept")?.spec.sourceRef.name).toBe("repo-b");
    expect(events.slice(2).sort()).toEqual(["add created", "delete deleted", "update kept repo-a->repo-b"]);
    expect(kustomizationLists()).not.toEqual([]);
    for (const name of ["kept", "created"]) await remove("relist", name);
  });

  it("keeps retrying while the kind is not served and reports why it is not synced", async () => {
    cache = new ObjectCache(client);
    const informer = cache.informerFor(apiVersion.replace("v1", "v9"), "Kustomization");
    cache.start();
    await until(() => informer.error !== undefined, "an error");
    expect(cache.hasSynced()).toBe(false);
    expect(cache.unsynced()[0]).toMatch(/^Kustomization \(.*v9/);
  });

  it("reads its own writes: get returns what we wrote until the watch delivers it, then the watch's objects", async () => {
    await put(ks("ryw", "x", "r"));
    cache = new ObjectCache(client, { namespace: "ryw" });
    const informer = cache.informerFor<Kustomization>(apiVersion, "Kustomization");
    const events = recordEvents(informer);
    cache.start();
    await cache.waitForSync();
    const first = informer.get("ryw/x") as Kustomization;
    // The watch stops (the cache keeps its content): only observeWrite can show the cache our write.
    await cache.stop();
    const ref = { apiVersion, kind: "Kustomization", namespace: "ryw", name: "x" };
    const revision = (o: Kustomization | undefined) =>
      (o as { status?: { lastAppliedRevision?: string } } | undefined)?.status?.lastAppliedRevision;
    const written = await client.patchStatus<Kustomization>(ref, { status: { lastAppliedRevision: "rev-1" } });
    expect(revision(informer.get("ryw/x"))).toBeUndefined();

    informer.observeWrite(written);
    expect(revision(informer.get("ryw/x"))).toBe("rev-1");
    expect(revision(informer.list()[0])).toBeUndefined(); // handlers, list and indexes wait for the watch
    expect(events).toEqual(["add x"]);
    informer.observeWrite(first); // an older version than the one cached is ignored
    expect(revision(informer.get("ryw/x"))).toBe("rev-1");
    informer.observeWrite({ ...written, metadata: { ...written.metadata, name: "gone" } }); // not cached: ignored
    expect(informer.get("ryw/gone")).toBeUndefined();

    // The watch resumes and delivers our write, then someone else's: the cache follows the watch again.
    cache.start();
    await until(() => events.length === 2, "our write delivered by the watch");
    expect(revision(informer.list()[0])).toBe("rev-1");
    await client.patchStatus(ref, { status: { lastAppliedRevision: "rev-2" } });
    await until(() => revision(informer.get("ryw/x")) === "rev-2", "a later write by others");
    await remove("ryw", "x");
    await until(() => informer.get("ryw/x") === undefined, "delete");
  });

  it("serves cluster-scoped kinds", async () => {
    await ensureNamespaces(client, "flux-system");
    cache = new ObjectCache(client);
    const informer = cache.informerFor("v1", "Namespace");
    cache.start();
    await cache.waitForSync();
    expect(informer.get("flux-system")?.metadata.name).toBe("flux-system");
    expect(informer.get("kube-system")?.metadata.name).toBe("kube-system");
  });
});

describe("managedFields", () => {
  it("are stripped from objects in the shared cache, listed and watched alike", async () => {
    await put(ks("strip", "listed", "repo"));
    const live = await client.get<Kustomization>({
      apiVersion,
      kind: "Kustomization",
      namespace: "strip",
      name: "listed",
    });
    expect(live.metadata.managedFields?.length).toBeGreaterThan(0);
    cache = new ObjectCache(client, { namespace: "strip" });
    const informer = cache.informerFor<Kustomization>(apiVersion, "Kustomization");
    cache.start();
    await informer.waitForSync();
    await put(ks("strip", "watched", "repo"));
    await until(() => informer.keys().includes("strip/watched"), "the watched object");
    for (const obj of informer.list()) {
      expect(obj.metadata.uid).toBeTruthy();
      expect(obj.metadata.managedFields).toBeUndefined();
    }
  });
});
