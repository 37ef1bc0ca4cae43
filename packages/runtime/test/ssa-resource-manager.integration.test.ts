import { GitRepositoryKind } from "@sluice/api";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { KubeClient, PatchType, type UnstructuredObject } from "../src/kube/index.js";
import { ApplySetError, DryRunError, ResourceManager, WaitError } from "../src/ssa/index.js";
import { startTestCluster, type TestCluster, uniqueSuffix } from "./support/test-cluster.js";
import { installFluxCrds } from "./support/test-crd.js";

const group = "kustomize.toolkit.fluxcd.io";
const suffix = uniqueSuffix();
const ns = `ssa-it-${suffix}`;

const namespace = (name: string): UnstructuredObject => ({ apiVersion: "v1", kind: "Namespace", metadata: { name } });
const configMap = (name: string, data: Record<string, string>, extra: Partial<UnstructuredObject["metadata"]> = {}) =>
  ({ apiVersion: "v1", kind: "ConfigMap", metadata: { name, namespace: ns, ...extra }, data }) as UnstructuredObject;
const deployment = (name: string, replicas: number, labels: Record<string, string> = {}): UnstructuredObject => ({
  apiVersion: "apps/v1",
  kind: "Deployment",
  metadata: { name, namespace: ns, labels },
  spec: {
    replicas,
    selector: { matchLabels: { app: name } },
    template: {
      metadata: { labels: { app: name } },
      spec: {
        containers: [{ name: "app", image: "ghcr.io/stefanprodan/podinfo:6.7.0", ports: [{ containerPort: 9898 }] }],
      },
    },
  },
});

describe("ResourceManager against an API server", () => {
  let cluster: TestCluster;
  let client: KubeClient;
  let manager: ResourceManager;
  const fast = { waitInterval: 200, waitTimeout: 20_000 };

  beforeAll(async () => {
    cluster = await startTestCluster({ simulateWorkloads: true, workloadDelayMs: 200 });
    client = KubeClient.fromKubeConfig(cluster.kubeConfig);
    manager = new ResourceManager({ client, owner: { field: "kustomize-controller", group } });
    await manager.applyAllStaged([namespace(ns)], fast);
  });

  afterAll(async () => {
    await client?.delete({ apiVersion: "v1", kind: "Namespace", name: ns }).catch(() => {});
    await cluster?.stop();
  });

  const getCm = (name: string) =>
    client.getOptional<UnstructuredObject>({ apiVersion: "v1", kind: "ConfigMap", namespace: ns, name });

  it("creates, then leaves unchanged objects alone, then corrects drift", async () => {
    const set = [configMap("app-config", { color: "blue" }), deployment("web", 1)];
    const first = await manager.applyAllStaged(set, fast);
    expect(first.toMap()).toEqual({
      [`ConfigMap/${ns}/app-config`]: "created",
      [`Deployment/${ns}/web`]: "created",
    });
    const second = await manager.applyAllStaged(set, fast);
    expect(second.entries.map((e) => e.action)).toEqual(["unchanged", "unchanged"]);

    await client.patch(
      { apiVersion: "v1", kind: "ConfigMap", namespace: ns, name: "app-config" },
      { data: { color: "red" } },
      { type: PatchType.Merge, fieldManager: "someone-else" },
    );
    const third = await manager.applyAllStaged(set, fast);
    expect(third.toMap()[`ConfigMap/${ns}/app-config`]).toBe("configured");
    expect((await getCm("app-config"))?.["data"]).toEqual({ color: "blue" });
  });

  it("takes over fields set with kubectl so that removing them from the source removes them", async () => {
    await manager.apply(configMap("taken", { a: "1" }), fast);
    await client.patch(
      { apiVersion: "v1", kind: "ConfigMap", namespace: ns, name: "taken" },
      { data: { extra: "from-kubectl" }, metadata: { labels: { edited: "yes" } } },
      { type: PatchType.Merge, fieldManager: "kubectl-edit" },
    );
    const entry = await manager.apply(configMap("taken", { a: "1" }), fast);
    expect(entry.action).toBe("configured");
    const live = await getCm("taken");
    expect(live?.["data"]).toEqual({ a: "1" });
    expect(live?.metadata.labels?.["edited"]).toBeUndefined();
    const managers = ((live?.metadata.managedFields ?? []) as { manager: string }[]).map((m) => m.manager);
    expect(managers).not.toContain("kubectl-edit");
  });

  it("keeps other managers' fields with ssa: Merge", async () => {
    const merged = configMap("merged", { a: "1" }, { annotations: { [`${group}/ssa`]: "Merge" } });
    await manager.apply(merged, fast);
    await client.patch(
      { apiVersion: "v1", kind: "ConfigMap", namespace: ns, name: "merged" },
      { data: { extra: "kept" } },
      { type: PatchType.Merge, fieldManager: "kubectl-edit" },
    );
    await manager.apply(merged, fast);
    expect((await getCm("merged"))?.["data"]).toEqual({ a: "1", extra: "kept" });
  });

  it("neither reports nor reverts drift in ignored fields", async () => {
    const rules = { driftIgnoreRules: [{ paths: ["/data/b"], selector: { kind: "ConfigMap", name: "tuned" } }] };
    await manager.apply(configMap("tuned", { a: "1", b: "1" }), fast);
    await client.patch(
      { apiVersion: "v1", kind: "ConfigMap", namespace: ns, name: "tuned" },
      { data: { b: "tuned-by-hand" } },
      { type: PatchType.Merge, fieldManager: "operator" },
    );
    expect((await manager.apply(configMap("tuned", { a: "1", b: "1" }), { ...fast, ...rules })).action).toBe(
      "unchanged",
    );
    expect((await manager.apply(configMap("tuned", { a: "2", b: "1" }), { ...fast, ...rules })).action).toBe(
      "configured",
    );
    expect((await getCm("tuned"))?.["data"]).toEqual({ a: "2", b: "tuned-by-hand" });
    // without the rule the hand edit is drift and gets reverted
    expect((await manager.apply(configMap("tuned", { a: "2", b: "1" }), fast)).action).toBe("configured");
    expect((await getCm("tuned"))?.["data"]).toEqual({ a: "2", b: "1" });
  });

  it("honours ssa: IfNotPresent and ssa: Ignore", async () => {
    const once = configMap("once", { v: "1" }, { annotations: { [`${group}/ssa`]: "IfNotPresent" } });
    expect((await manager.apply(once, fast)).action).toBe("created");
    const changed = configMap("once", { v: "2" }, { annotations: { [`${group}/ssa`]: "IfNotPresent" } });
    expect((await manager.apply(changed, fast)).action).toBe("skipped");
    expect((await getCm("once"))?.["data"]).toEqual({ v: "1" });
    const ignored = configMap("ignored", { v: "1" }, { annotations: { [`${group}/ssa`]: "Ignore" } });
    expect((await manager.apply(ignored, fast)).action).toBe("skipped");
    expect(await getCm("ignored")).toBeUndefined();
  });

  it("aborts the whole set, writing nothing, when one object fails its dry-run", async () => {
    const newNs = `ssa-it-new-${suffix}`;
    // a label value with spaces is invalid on every API server
    const set = [
      namespace(newNs),
      configMap("never-written", { a: "b" }),
      deployment("broken", 1, { tier: "not valid!" }),
    ];
    const err = await manager.applyAllStaged(set, fast).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DryRunError);
    const dryRunError = err as DryRunError;
    expect(dryRunError.subject).toBe(`Deployment/${ns}/broken`);
    expect(dryRunError.message).toContain(`Deployment/${ns}/broken dry-run failed`);
    expect(dryRunError.message).toContain("metadata.labels");
    expect(await getCm("never-written")).toBeUndefined();
    expect(await client.getOptional({ apiVersion: "v1", kind: "Namespace", name: newNs })).toBeUndefined();
  });

  it("applies objects into a namespace the same set creates", async () => {
    const fresh = `ssa-it-fresh-${suffix}`;
    try {
      const cm = {
        ...configMap("inside", { a: "b" }),
        metadata: { name: "inside", namespace: fresh },
      } as UnstructuredObject;
      const cs = await manager.applyAllStaged([cm, namespace(fresh)], fast);
      expect(cs.toString()).toBe(`Namespace/${fresh} created\nConfigMap/${fresh}/inside created`);
    } finally {
      await client.delete({ apiVersion: "v1", kind: "Namespace", name: fresh }).catch(() => {});
    }
  });

  it("refuses a set with an unknown kind before creating its namespaces", async () => {
    const never = `ssa-it-never-${suffix}`;
    const unknown = { apiVersion: "example.com/v1", kind: "Gizmo", metadata: { name: "g", namespace: ns } };
    const err = await manager.applyAllStaged([namespace(never), unknown], fast).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DryRunError);
    expect((err as DryRunError).failure).toBe("UnknownKind");
    expect(await client.getOptional({ apiVersion: "v1", kind: "Namespace", name: never })).toBeUndefined();
  });

  it("reports every invalid object and an unknown kind", async () => {
    const unknown = { apiVersion: "example.com/v1", kind: "Gadget", metadata: { name: "g", namespace: ns } };
    const err = await manager
      .applyAll([deployment("bad-a", 1, { tier: "not valid!" }), unknown])
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApplySetError);
    const messages = (err as ApplySetError).errors.map((e) => e.message);
    expect(messages.some((m) => m.startsWith(`Deployment/${ns}/bad-a dry-run failed`))).toBe(true);
    expect(messages).toContain(
      `Gadget/${ns}/g dry-run failed: no matches for kind "Gadget" in version "example.com/v1"`,
    );
  });

  it("recreates an object whose immutable field changed when force is on", async () => {
    // An immutable field as CRDs declare one: a CEL transition rule on the field.
    const plural = `volumes${suffix}`;
    const crdGroup = "it.sluice.dev";
    const kind = `Volume${suffix}`;
    const crd: UnstructuredObject = {
      apiVersion: "apiextensions.k8s.io/v1",
      kind: "CustomResourceDefinition",
      metadata: { name: `${plural}.${crdGroup}` },
      spec: {
        group: crdGroup,
        scope: "Namespaced",
        names: { plural, singular: `volume${suffix}`, kind, listKind: `${kind}List` },
        versions: [
          {
            name: "v1",
            served: true,
            storage: true,
            schema: {
              openAPIV3Schema: {
                type: "object",
                properties: {
                  spec: {
                    type: "object",
                    properties: {
                      storageClass: {
                        type: "string",
                        "x-kubernetes-validations": [{ rule: "self == oldSelf", message: "field is immutable" }],
                      },
                    },
                  },
                },
              },
            },
          },
        ],
      },
    };
    const volume = (storageClass: string) =>
      ({
        apiVersion: `${crdGroup}/v1`,
        kind,
        metadata: { name: "data", namespace: ns },
        spec: { storageClass },
      }) as UnstructuredObject;
    const ref = { apiVersion: `${crdGroup}/v1`, kind, namespace: ns, name: "data" };
    try {
      await manager.applyAllStaged([crd, volume("standard")], fast);
      const before = await client.get(ref);
      const refused = await manager.apply(volume("fast"), fast).catch((e: unknown) => e);
      expect(refused).toBeInstanceOf(DryRunError);
      expect((refused as Error).message).toContain("field is immutable");
      const entry = await manager.apply(volume("fast"), { ...fast, force: true });
      expect(entry.action).toBe("created");
      const after = await client.get(ref);
      expect(after["spec"]).toEqual({ storageClass: "fast" });
      expect(after.metadata.uid).not.toBe(before.metadata.uid);
    } finally {
      await client
        .delete({
          apiVersion: "apiextensions.k8s.io/v1",
          kind: "CustomResourceDefinition",
          name: `${plural}.${crdGroup}`,
        })
        .catch(() => {});
    }
  });

  it("deletes only objects carrying the owner labels and not opted out of pruning", async () => {
    const owner = manager.ownerLabels("apps", "flux-system");
    const owned = configMap("owned", { a: "1" }, { labels: owner });
    const kept = configMap("kept", { a: "1" }, { labels: owner, annotations: { [`${group}/prune`]: "disabled" } });
    const foreign = configMap("foreign", { a: "1" });
    await manager.applyAll([owned, kept, foreign]);
    const cs = await manager.delete(
      [owned, kept, foreign, { apiVersion: "v1", kind: "ConfigMap", namespace: ns, name: "gone-already" }],
      { inclusions: owner },
    );
    expect(cs.toMap()).toEqual({
      [`ConfigMap/${ns}/owned`]: "deleted",
      [`ConfigMap/${ns}/kept`]: "skipped",
      [`ConfigMap/${ns}/foreign`]: "skipped",
      [`ConfigMap/${ns}/gone-already`]: "deleted",
    });
    await manager.waitForTermination([{ apiVersion: "v1", kind: "ConfigMap", namespace: ns, name: "owned" }], {
      interval: 100,
      timeout: 10_000,
    });
    expect(await getCm("kept")).toBeDefined();
    expect(await getCm("foreign")).toBeDefined();
  });

  it("waits for a Deployment and a Pod to become ready, and times out naming what is not ready", async () => {
    const pod: UnstructuredObject = {
      apiVersion: "v1",
      kind: "Pod",
      metadata: { name: "waited", namespace: ns },
      spec: { containers: [{ name: "app", image: "ghcr.io/stefanprodan/podinfo:6.7.0" }] },
    };
    const cs = await manager.applyAll([deployment("waited", 1), pod]);
    await manager.waitForSet(cs.toRefs(), { interval: 200, timeout: 20_000 });
    expect(
      (await client.get({ apiVersion: "v1", kind: "Pod", namespace: ns, name: "waited" }))["status"],
    ).toMatchObject({ phase: "Running" });
    // A GitRepository that no source-controller reconciles: its status never observes its generation.
    await installFluxCrds(client, GitRepositoryKind);
    const repo: UnstructuredObject = {
      apiVersion: "source.toolkit.fluxcd.io/v1",
      kind: "GitRepository",
      metadata: { name: "never-ready", namespace: ns },
      spec: { interval: "1m", url: "https://github.com/stefanprodan/podinfo" },
    };
    const repoSet = await manager.applyAll([repo]);
    const err = await manager.waitForSet(repoSet.toRefs(), { interval: 100, timeout: 500 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(WaitError);
    expect((err as Error).message).toMatch(
      new RegExp(`^timeout waiting for: \\[GitRepository/${ns}/never-ready status: 'InProgress'`),
    );
  });

  it("applies a CRD, waits until it is established, then applies its custom resources", async () => {
    const plural = `widgets${suffix}`;
    const crdGroup = "it.sluice.dev";
    const crd: UnstructuredObject = {
      apiVersion: "apiextensions.k8s.io/v1",
      kind: "CustomResourceDefinition",
      metadata: { name: `${plural}.${crdGroup}` },
      spec: {
        group: crdGroup,
        scope: "Namespaced",
        names: { plural, singular: `widget${suffix}`, kind: `Widget${suffix}`, listKind: `Widget${suffix}List` },
        versions: [
          {
            name: "v1",
            served: true,
            storage: true,
            schema: {
              openAPIV3Schema: {
                type: "object",
                properties: { spec: { type: "object", properties: { size: { type: "integer", minimum: 1 } } } },
              },
            },
          },
        ],
      },
    };
    const widget = {
      apiVersion: `${crdGroup}/v1`,
      kind: `Widget${suffix}`,
      metadata: { name: "w1", namespace: ns },
      spec: { size: 3 },
    } as UnstructuredObject;
    try {
      const cs = await manager.applyAllStaged([widget, crd], fast);
      expect(cs.entries.map((e) => `${e.subject} ${e.action}`)).toEqual([
        `CustomResourceDefinition/${plural}.${crdGroup} created`,
        `Widget${suffix}/${ns}/w1 created`,
      ]);
      const again = await manager.applyAllStaged([widget, crd], fast);
      expect(again.entries.map((e) => e.action)).toEqual(["unchanged", "unchanged"]);
    } finally {
      await client
        .delete({
          apiVersion: "apiextensions.k8s.io/v1",
          kind: "CustomResourceDefinition",
          name: `${plural}.${crdGroup}`,
        })
        .catch(() => {});
    }
  });
});
