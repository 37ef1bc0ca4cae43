import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestCluster, type TestCluster } from "./helpers/cluster.js";

const DEPLOYMENT = `apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  replicas: 2
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec: {containers: [{name: web, image: nginx}]}
`;

interface Listed {
  items: Array<{
    metadata: { name: string; ownerReferences?: Array<{ kind: string; name: string; controller?: boolean }> };
    spec: { replicas?: number };
    status?: { phase?: string };
  }>;
}

describe("replica simulator (simulatePods)", () => {
  let c: TestCluster;
  const list = async (what: string): Promise<Listed> =>
    JSON.parse(await c.kubectlOk(["get", what, "-o", "json"])) as Listed;
  /** Polls kubectl until `check` holds (kubectl wait cannot count objects). */
  const until = async (what: string, check: (l: Listed) => boolean): Promise<Listed> => {
    for (let i = 0; i < 300; i++) {
      const l = await list(what);
      if (check(l)) return l;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`timed out waiting for ${what}: ${JSON.stringify(await list(what))}`);
  };

  beforeAll(async () => {
    c = await startTestCluster({ simulateWorkloads: true, simulatePods: true, workloadDelayMs: 100 });
    await c.kubectlOk(["apply", "-f", c.writeFile("web.yaml", DEPLOYMENT)]);
  });
  afterAll(async () => {
    await c.stop();
  });

  it("creates a ReplicaSet owned by the Deployment and its Pods, Running", async () => {
    const rs = await until("replicasets", (l) => l.items.length === 1);
    const set = rs.items[0]!;
    expect(set.metadata.name).toMatch(/^web-[0-9a-f]{10}$/);
    expect(set.metadata.ownerReferences).toEqual([
      expect.objectContaining({ kind: "Deployment", name: "web", controller: true }),
    ]);
    const pods = await until(
      "pods",
      (l) => l.items.length === 2 && l.items.every((p) => p.status?.phase === "Running"),
    );
    for (const p of pods.items) {
      expect(p.metadata.name.startsWith(`${set.metadata.name}-`)).toBe(true);
      expect(p.metadata.ownerReferences?.[0]).toMatchObject({ kind: "ReplicaSet", name: set.metadata.name });
    }
  });

  it("follows scaling, replaces a deleted Pod and rolls a new template out to a new ReplicaSet", async () => {
    await c.kubectlOk(["scale", "deploy/web", "--replicas=3"]);
    const three = await until("pods", (l) => l.items.length === 3);
    await c.kubectlOk(["delete", "pod", three.items[0]!.metadata.name, "--wait=false"]);
    await until(
      "pods",
      (l) => l.items.length === 3 && !l.items.some((p) => p.metadata.name === three.items[0]!.metadata.name),
    );
    await c.kubectlOk(["set", "image", "deploy/web", "web=nginx:2"]);
    const sets = await until("replicasets", (l) => l.items.length === 2 && l.items.some((r) => r.spec.replicas === 0));
    const current = sets.items.find((r) => r.spec.replicas === 3)!;
    await until(
      "pods",
      (l) => l.items.length === 3 && l.items.every((p) => p.metadata.name.startsWith(current.metadata.name)),
    );
  });

  it("removes the ReplicaSets and Pods with their Deployment", async () => {
    await c.kubectlOk(["delete", "deploy/web"]);
    await until("replicasets", (l) => l.items.length === 0);
    await until("pods", (l) => l.items.length === 0);
  });
});
