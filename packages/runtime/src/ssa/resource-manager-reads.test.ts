import type { AuditEvent } from "@sluice/apiserver";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type EmbeddedTestCluster, startEmbeddedCluster } from "../../test/support/test-cluster.js";
import { KubeClient, PatchType } from "../kube/kube-client.js";
import type { UnstructuredObject } from "../kube/object-ref.js";
import { ResourceManager } from "./resource-manager.js";
import { VerifiedStates } from "./verified-states.js";

const owner = { field: "kustomize-controller", group: "kustomize.toolkit.fluxcd.io" };
const WRITES = new Set(["POST", "PUT", "PATCH", "DELETE"]);

// How the ResourceManager reads live objects (one LIST per kind and namespace) and when it skips the dry-run
// (a live state it verified before), checked request by request in the API server's audit log.
describe("ResourceManager reads and dry-runs", () => {
  let cluster: EmbeddedTestCluster;
  let client: KubeClient;

  beforeAll(async () => {
    cluster = await startEmbeddedCluster();
    client = KubeClient.fromKubeConfig(cluster.kubeConfig, { rateLimit: false });
  });

  afterAll(async () => {
    client?.close();
    await cluster?.stop();
  });

  const configMap = (ns: string, name: string, data: Record<string, string> = { a: "1" }): UnstructuredObject => ({
    apiVersion: "v1",
    kind: "ConfigMap",
    metadata: { name, namespace: ns },
    data,
  });
  const namespace = async (name: string) => {
    await client.apply({ apiVersion: "v1", kind: "Namespace", metadata: { name } }, { fieldManager: "setup" });
  };
  /** Runs `fn` and returns the audit events of the requests it made to the namespace `ns`. */
  const recorded = async <T>(ns: string, fn: () => Promise<T>): Promise<[T, AuditEvent[]]> => {
    const before = cluster.server.auditEvents().length;
    const out = await fn();
    const events = cluster.server.auditEvents().slice(before);
    return [out, events.filter((e) => e.path.includes(`/namespaces/${ns}/`) || e.path.endsWith(`/namespaces/${ns}`))];
  };
  const isList = (e: AuditEvent) => e.verb === "GET" && /\/configmaps(\?|$)/.test(e.path);
  const isGet = (e: AuditEvent) => e.verb === "GET" && /\/configmaps\/[^/?]+/.test(e.path);
  const isDryRun = (e: AuditEvent) => e.path.includes("dryRun=");
  const isWrite = (e: AuditEvent) => WRITES.has(e.verb) && !isDryRun(e);

  it("reads a group of objects with one LIST, finds existing ones in it and creates the missing", async () => {
    const ns = "reads-list";
    await namespace(ns);
    await client.apply(configMap(ns, "cm-2", { a: "old" }), { fieldManager: "kubectl" });
    const manager = new ResourceManager({ client, owner, verifiedStates: false });
    const set = [0, 1, 2, 3, 4, 5].map((i) => configMap(ns, `cm-${i}`));
    const [changes, events] = await recorded(ns, () => manager.applyAllStaged(set));
    expect(changes.toMap()).toEqual({
      [`ConfigMap/${ns}/cm-0`]: "created",
      [`ConfigMap/${ns}/cm-1`]: "created",
      [`ConfigMap/${ns}/cm-2`]: "configured",
      [`ConfigMap/${ns}/cm-3`]: "created",
      [`ConfigMap/${ns}/cm-4`]: "created",
      [`ConfigMap/${ns}/cm-5`]: "created",
    });
    expect(events.filter(isList)).toHaveLength(1);
    expect(events.filter(isGet)).toEqual([]);
    expect(events.filter(isDryRun)).toHaveLength(6);
    const live = await client.get<UnstructuredObject>({
      apiVersion: "v1",
      kind: "ConfigMap",
      namespace: ns,
      name: "cm-2",
    });
    expect(live["data"]).toEqual({ a: "1" });
  });

  it("dry-runs objects expected absent before reading them: no read for a new one, the usual plan for one that exists", async () => {
    const ns = "reads-expect-absent";
    await namespace(ns);
    await client.apply(configMap(ns, "taken", { a: "old" }), { fieldManager: "kubectl" });
    await client.apply(configMap(ns, "same"), { fieldManager: owner.field, force: true });
    const manager = new ResourceManager({ client, owner, verifiedStates: false });
    const set = [configMap(ns, "new"), configMap(ns, "taken"), configMap(ns, "same")];
    const [changes, events] = await recorded(ns, () => manager.applyAllStaged(set, { expectAbsent: () => true }));
    expect(changes.toMap()).toEqual({
      [`ConfigMap/${ns}/new`]: "created",
      [`ConfigMap/${ns}/taken`]: "configured",
      [`ConfigMap/${ns}/same`]: "unchanged",
    });
    const name = (e: AuditEvent) => /\/configmaps\/([^/?]+)/.exec(e.path)?.[1];
    // The new one: a dry-run and the create, nothing read.
    expect(events.filter((e) => name(e) === "new").map((e) => (isDryRun(e) ? "dry-run" : e.verb))).toEqual([
      "dry-run",
      "PATCH",
    ]);
    // The existing ones are read after their dry-run showed them, and planned as usual (drift reverted).
    expect(events.filter((e) => name(e) === "taken" && isGet(e))).toHaveLength(1);
    expect(events.filter((e) => name(e) === "same" && isWrite(e))).toEqual([]);
    const taken = await client.get<UnstructuredObject>({
      apiVersion: "v1",
      kind: "ConfigMap",
      namespace: ns,
      name: "taken",
    });
    expect(taken["data"]).toEqual({ a: "1" });
  });

  it("reads small groups with GETs", async () => {
    const ns = "reads-small";
    await namespace(ns);
    const manager = new ResourceManager({ client, owner, verifiedStates: false });
    const [changes, events] = await recorded(ns, () =>
      manager.applyAllStaged([configMap(ns, "one"), configMap(ns, "two")]),
    );
    expect(changes.entries.map((e) => e.action)).toEqual(["created", "created"]);
    expect(events.filter(isList)).toEqual([]);
    expect(events.filter(isGet)).toHaveLength(2);
  });

  it("falls back to GETs for objects beyond the single LIST page of a crowded namespace", async () => {
    const ns = "reads-crowded";
    await namespace(ns);
    // 4 desired objects → a page of at most 66 items; 80 others sort before them.
    for (let i = 0; i < 80; i++) {
      await client.apply(configMap(ns, `a-${String(i).padStart(3, "0")}`), { fieldManager: "setup" });
    }
    await client.apply(configMap(ns, "z-1", { a: "old" }), { fieldManager: "kubectl" });
    const manager = new ResourceManager({ client, owner, verifiedStates: false });
    const set = [1, 2, 3, 4].map((i) => configMap(ns, `z-${i}`));
    const [changes, events] = await recorded(ns, () => manager.applyAllStaged(set));
    expect(changes.entries.map((e) => e.action)).toEqual(["configured", "created", "created", "created"]);
    expect(events.filter(isList)).toHaveLength(1);
    expect(events.filter(isList)[0]!.path).toContain("limit=66");
    expect(events.filter(isGet)).toHaveLength(4);
  });

  it("skips the dry-run of a state it applied or verified, and dry-runs again once anyone changes the object", async () => {
    const ns = "reads-verified";
    await namespace(ns);
    const manager = new ResourceManager({ client, owner, verifiedStates: new VerifiedStates() });
    const set = [0, 1, 2, 3, 4].map((i) => configMap(ns, `cm-${i}`));
    await manager.applyAllStaged(set);

    const [noop, noopEvents] = await recorded(ns, () => manager.applyAllStaged(set));
    expect(noop.entries.every((e) => e.action === "unchanged")).toBe(true);
    expect(noopEvents.filter(isDryRun)).toEqual([]);
    expect(noopEvents.filter(isWrite)).toEqual([]);
    expect(noopEvents.filter(isList)).toHaveLength(1);

    // Drift by another manager changes the resourceVersion: dry-run, then the drift is reverted.
    await client.patch(
      { apiVersion: "v1", kind: "ConfigMap", namespace: ns, name: "cm-3" },
      { data: { a: "drifted" } },
      { type: PatchType.Merge, fieldManager: "someone-else" },
    );
    const [fixed, fixedEvents] = await recorded(ns, () => manager.applyAllStaged(set));
    expect(fixed.toMap()[`ConfigMap/${ns}/cm-3`]).toBe("configured");
    expect(fixed.entries.filter((e) => e.action === "unchanged")).toHaveLength(4);
    expect(fixedEvents.filter(isDryRun)).toHaveLength(1);
    const live = await client.get<UnstructuredObject>({
      apiVersion: "v1",
      kind: "ConfigMap",
      namespace: ns,
      name: "cm-3",
    });
    expect(live["data"]).toEqual({ a: "1" });

    // A changed desired object is dry-run and applied even though the live state is known.
    const changed = set.map((o, i) => (i === 0 ? configMap(ns, "cm-0", { a: "2" }) : o));
    const [again, againEvents] = await recorded(ns, () => manager.applyAllStaged(changed));
    expect(again.toMap()[`ConfigMap/${ns}/cm-0`]).toBe("configured");
    expect(againEvents.filter(isDryRun)).toHaveLength(1);

    // Deleted and re-created by someone else with the same content: a new uid, so dry-run again.
    await client.delete({ apiVersion: "v1", kind: "ConfigMap", namespace: ns, name: "cm-4" });
    await client.apply(configMap(ns, "cm-4"), { fieldManager: "kustomize-controller" });
    const [, recreatedEvents] = await recorded(ns, () => manager.applyAllStaged(changed));
    expect(recreatedEvents.filter(isDryRun).map((e) => e.path)).toEqual([expect.stringContaining("/configmaps/cm-4?")]);
  });

  it("writes the objects of a stage concurrently, in apply order in the change set", async () => {
    const ns = "reads-failing";
    await namespace(ns);
    const manager = new ResourceManager({ client, owner, verifiedStates: false, concurrency: 8 });
    const set = [0, 1, 2, 3, 4, 5, 6, 7].map((i) => configMap(ns, `cm-${i}`));
    const changes = await manager.applyAllStaged(set);
    expect(changes.entries.map((e) => e.action)).toEqual(Array(8).fill("created"));
    const names = await client.list("v1", "ConfigMap", { namespace: ns });
    expect(names.items.map((o) => o.metadata.name).filter((n) => n?.startsWith("cm-"))).toHaveLength(8);
  });
});

describe("VerifiedStates", () => {
  const state = (uid: string, rv: string): UnstructuredObject => ({
    apiVersion: "v1",
    kind: "ConfigMap",
    metadata: { name: "x", uid, resourceVersion: rv },
  });

  it("matches only the same manager, uid, resourceVersion and input, and evicts the least recently used", () => {
    const states = new VerifiedStates(2);
    states.remember("m", state("u1", "5"), "h");
    expect(states.matches("m", state("u1", "5"), "h")).toBe(true);
    expect(states.matches("m", state("u1", "6"), "h")).toBe(false);
    expect(states.matches("m", state("u1", "5"), "other")).toBe(false);
    expect(states.matches("other", state("u1", "5"), "h")).toBe(false);
    expect(states.matches("m", state("u2", "5"), "h")).toBe(false);
    states.remember("m", state("u2", "1"), "h");
    expect(states.matches("m", state("u1", "5"), "h")).toBe(true); // u1 is now the most recent
    states.remember("m", state("u3", "1"), "h");
    expect(states.size).toBe(2);
    expect(states.matches("m", state("u2", "1"), "h")).toBe(false);
    expect(states.matches("m", state("u1", "5"), "h")).toBe(true);
    states.forget("m", state("u1", "5"));
    expect(states.matches("m", state("u1", "5"), "h")).toBe(false);
    states.remember("m", { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "no-uid" } }, "h");
    expect(states.size).toBe(1);
  });
});
