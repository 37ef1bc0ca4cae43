import { KubeConfig } from "@kubernetes/client-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type LoopbackServer, startLoopbackServer } from "../../test/support/loopback-server.js";
import { KubeClient } from "../kube/kube-client.js";
import { ApplyError } from "./errors.js";
import { ResourceManager } from "./resource-manager.js";

// Checks that need no API server: they must fail before any request is sent.
describe("ResourceManager input checks", () => {
  let server: LoopbackServer;
  let manager: ResourceManager;

  beforeAll(async () => {
    server = await startLoopbackServer((_req, res) => {
      res.statusCode = 500;
      res.end();
    });
    const kubeConfig = new KubeConfig();
    kubeConfig.loadFromOptions({
      clusters: [{ name: "c", server: server.url }],
      users: [{ name: "u" }],
      contexts: [{ name: "c", cluster: "c", user: "u" }],
      currentContext: "c",
    });
    manager = new ResourceManager({
      client: KubeClient.fromKubeConfig(kubeConfig, { rateLimit: false }),
      owner: { field: "kustomize-controller", group: "kustomize.toolkit.fluxcd.io" },
    });
  });

  afterAll(async () => {
    await server.close();
  });

  const cm = { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "a", namespace: "n" } };

  it("rejects a set listing an object twice", async () => {
    for (const apply of [manager.applyAll.bind(manager), manager.applyAllStaged.bind(manager)]) {
      const err = await apply([cm, { ...cm, data: { x: "y" } }]).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ApplyError);
      expect((err as Error).message).toBe("ConfigMap/n/a is listed more than once in the set");
    }
    expect(server.requests).toHaveLength(0);
  });

  it("rejects invalid drift-ignore rules", async () => {
    await expect(manager.applyAll([cm], { driftIgnoreRules: [{ paths: ["data"] }] })).rejects.toThrow(SyntaxError);
    await expect(
      manager.applyAllStaged([cm], { driftIgnoreRules: [{ paths: ["/data"], selector: { labelSelector: "a in b" } }] }),
    ).rejects.toThrow(/invalid label selector/);
    expect(server.requests).toHaveLength(0);
  });

  it("applies nothing for an empty set and waits for nothing", async () => {
    expect((await manager.applyAllStaged([])).entries).toEqual([]);
    await manager.waitForSet([]);
    expect(server.requests).toHaveLength(0);
  });
});
