import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type EmbeddedTestCluster, startEmbeddedCluster } from "../../test/support/test-cluster.js";
import { KubeClient } from "../kube/kube-client.js";
import { ApplyError } from "./errors.js";
import { ResourceManager } from "./resource-manager.js";

// Checks that must fail (or finish) before any request reaches the API server: its audit log stays empty.
describe("ResourceManager input checks", () => {
  let cluster: EmbeddedTestCluster;
  let client: KubeClient;
  let manager: ResourceManager;

  beforeAll(async () => {
    cluster = await startEmbeddedCluster();
    client = KubeClient.fromKubeConfig(cluster.kubeConfig, { rateLimit: false });
    manager = new ResourceManager({
      client,
      owner: { field: "kustomize-controller", group: "kustomize.toolkit.fluxcd.io" },
    });
  });

  afterAll(async () => {
    client?.close();
    await cluster?.stop();
  });

  const cm = { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "a", namespace: "n" } };
  const requests = () => cluster.server.auditEvents();

  it("rejects a set listing an object twice", async () => {
    for (const apply of [manager.applyAll.bind(manager), manager.applyAllStaged.bind(manager)]) {
      const err = await apply([cm, { ...cm, data: { x: "y" } }]).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ApplyError);
      expect((err as Error).message).toBe("ConfigMap/n/a is listed more than once in the set");
    }
    expect(requests()).toEqual([]);
  });

  it("rejects invalid drift-ignore rules", async () => {
    await expect(manager.applyAll([cm], { driftIgnoreRules: [{ paths: ["data"] }] })).rejects.toThrow(SyntaxError);
    await expect(
      manager.applyAllStaged([cm], { driftIgnoreRules: [{ paths: ["/data"], selector: { labelSelector: "a in b" } }] }),
    ).rejects.toThrow(/invalid label selector/);
    expect(requests()).toEqual([]);
  });

  it("applies nothing for an empty set and waits for nothing", async () => {
    expect((await manager.applyAllStaged([])).entries).toEqual([]);
    await manager.waitForSet([]);
    expect(requests()).toEqual([]);
  });
});
