import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { KUBECTL, startStreaming, startTestCluster, type TestCluster } from "./helpers/cluster.js";

async function eventually<T>(fn: () => Promise<T>, ok: (v: T) => boolean, timeoutMs = 5000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: T = await fn();
  while (!ok(last)) {
    if (Date.now() > deadline) throw new Error(`condition not met; last value: ${JSON.stringify(last)}`);
    await new Promise((r) => setTimeout(r, 50));
    last = await fn();
  }
  return last;
}

describe("real kubectl: watch, wait, finalizers, propagation, namespaces", () => {
  let c: TestCluster;
  beforeAll(async () => {
    c = await startTestCluster();
  });
  afterAll(async () => {
    await c.stop();
  });

  it("get -w receives ADDED, MODIFIED and DELETED events", async () => {
    await c.kubectlOk(["create", "namespace", "watched"]);
    const w = startStreaming(
      KUBECTL,
      ["--kubeconfig", c.kubeconfigPath, "get", "cm", "-n", "watched", "-w", "--output-watch-events"],
      c.env,
      c.dir,
    );
    try {
      await c.kubectlOk(["create", "configmap", "w1", "-n", "watched"]);
      await w.waitFor(/ADDED\s+w1/);
      await c.kubectlOk(["label", "cm", "w1", "-n", "watched", "x=y"]);
      await w.waitFor(/MODIFIED\s+w1/);
      await c.kubectlOk(["delete", "cm", "w1", "-n", "watched"]);
      const out = await w.waitFor(/DELETED\s+w1/);
      expect(out.split("\n")[0]).toMatch(/^EVENT\s+NAME\s+DATA\s+AGE/);
    } finally {
      await w.stop();
    }
  });

  it("wait --for=condition sees a status written through --subresource=status", async () => {
    await c.kubectlOk(["run", "waiter", "--image=busybox", "--restart=Never"]);
    const waiting = c.kubectl(["wait", "--for=condition=Ready", "pod/waiter", "--timeout=20s"]);
    await new Promise((r) => setTimeout(r, 300));
    await c.kubectlOk([
      "patch",
      "pod",
      "waiter",
      "--subresource=status",
      "--type=merge",
      "-p",
      '{"status":{"phase":"Running","conditions":[{"type":"Ready","status":"True"}]}}',
    ]);
    const r = await waiting;
    expect(r.stderr).toBe("");
    expect(r.stdout).toContain("pod/waiter condition met");
    const pod = parse(await c.kubectlOk(["get", "pod", "waiter", "-o", "yaml"]));
    expect(pod.status.phase).toBe("Running");
    expect(pod.spec.containers[0].image).toBe("busybox");
  });

  it("keeps an object with finalizers until they are removed", async () => {
    await c.kubectlOk(
      ["create", "-f", "-"],
      "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: held\n  finalizers: [example.com/hold]\n",
    );
    const del = await c.kubectlOk(["delete", "cm", "held", "--wait=false"]);
    expect(del).toContain('configmap "held" deleted');
    const held = parse(await c.kubectlOk(["get", "cm", "held", "-o", "yaml"]));
    expect(held.metadata.deletionTimestamp).toBeTruthy();
    expect(held.metadata.finalizers).toEqual(["example.com/hold"]);
    const add = await c.kubectl([
      "patch",
      "cm",
      "held",
      "--type=json",
      "-p",
      '[{"op":"add","path":"/metadata/finalizers/-","value":"example.com/more"}]',
    ]);
    expect(add.stderr).toContain("no new finalizers can be added if the object is being deleted");
    await c.kubectlOk(["patch", "cm", "held", "--type=merge", "-p", '{"metadata":{"finalizers":null}}']);
    const gone = await c.kubectl(["get", "cm", "held"]);
    expect(gone.stderr).toContain('configmaps "held" not found');
  });

  const owned = (name: string, ownerUid: string, block = false): string =>
    `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ${name}\n  ownerReferences:\n  - {apiVersion: v1, kind: ConfigMap, name: owner, uid: ${ownerUid}${block ? ", blockOwnerDeletion: true" : ""}}\n`;

  async function makeOwner(): Promise<string> {
    await c.kubectlOk(["create", "configmap", "owner"]);
    return (await c.kubectlOk(["get", "cm", "owner", "-o", "jsonpath={.metadata.uid}"])).trim();
  }

  it("background propagation deletes dependents after the owner", async () => {
    const uid = await makeOwner();
    await c.kubectlOk(["create", "-f", "-"], owned("dep-bg", uid));
    await c.kubectlOk(["delete", "cm", "owner", "--cascade=background"]);
    await eventually(
      () => c.kubectl(["get", "cm", "dep-bg"]),
      (r) => r.stderr.includes("not found"),
    );
  });

  it("orphan propagation keeps dependents and removes their owner references", async () => {
    const uid = await makeOwner();
    await c.kubectlOk(["create", "-f", "-"], owned("dep-orphan", uid));
    await c.kubectlOk(["delete", "cm", "owner", "--cascade=orphan"]);
    const dep = await eventually(
      async () => parse(await c.kubectlOk(["get", "cm", "dep-orphan", "-o", "yaml"])),
      (o) => o.metadata.ownerReferences === undefined,
    );
    expect(dep.metadata.name).toBe("dep-orphan");
    await eventually(
      () => c.kubectl(["get", "cm", "owner"]),
      (r) => r.stderr.includes("not found"),
    );
  });

  it("foreground propagation deletes blocking dependents before the owner", async () => {
    const uid = await makeOwner();
    await c.kubectlOk(["create", "-f", "-"], owned("dep-fg", uid, true));
    await c.kubectlOk([
      "patch",
      "cm",
      "dep-fg",
      "--type=merge",
      "-p",
      '{"metadata":{"finalizers":["example.com/slow"]}}',
    ]);
    await c.kubectlOk(["delete", "cm", "owner", "--cascade=foreground", "--wait=false"]);
    const owner = await eventually(
      async () => parse(await c.kubectlOk(["get", "cm", "owner", "-o", "yaml"])),
      (o) => o.metadata.deletionTimestamp !== undefined,
    );
    expect(owner.metadata.finalizers).toContain("foregroundDeletion");
    const dep = await eventually(
      async () => parse(await c.kubectlOk(["get", "cm", "dep-fg", "-o", "yaml"])),
      (o) => o.metadata.deletionTimestamp !== undefined,
    );
    expect(dep.metadata.finalizers).toContain("example.com/slow");
    expect((await c.kubectl(["get", "cm", "owner"])).code).toBe(0);
    await c.kubectlOk([
      "patch",
      "cm",
      "dep-fg",
      "--type=json",
      "-p",
      '[{"op":"remove","path":"/metadata/finalizers/0"}]',
    ]);
    await eventually(
      () => c.kubectl(["get", "cm", "owner"]),
      (r) => r.stderr.includes("not found"),
    );
  });

  it("deleting a namespace deletes its contents, then the namespace", async () => {
    await c.kubectlOk(["create", "namespace", "doomed"]);
    await c.kubectlOk(["create", "configmap", "a", "-n", "doomed"]);
    await c.kubectlOk(["create", "secret", "generic", "b", "-n", "doomed", "--from-literal=k=v"]);
    await c.kubectlOk(
      ["create", "-f", "-", "-n", "doomed"],
      "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: sticky\n  finalizers: [example.com/hold]\n",
    );
    await c.kubectlOk(["delete", "namespace", "doomed", "--wait=false"]);
    const ns = await eventually(
      async () => parse(await c.kubectlOk(["get", "namespace", "doomed", "-o", "yaml"])),
      (o) => Array.isArray(o.status.conditions),
    );
    expect(ns.status.phase).toBe("Terminating");
    expect((await c.kubectlOk(["get", "cm,secret", "-n", "doomed", "-o", "name"])).trim()).toBe("configmap/sticky");
    const refused = await c.kubectl(["create", "configmap", "late", "-n", "doomed"]);
    expect(refused.stderr).toContain("because it is being terminated");
    await c.kubectlOk([
      "patch",
      "cm",
      "sticky",
      "-n",
      "doomed",
      "--type=merge",
      "-p",
      '{"metadata":{"finalizers":null}}',
    ]);
    await eventually(
      () => c.kubectl(["get", "namespace", "doomed"]),
      (r) => r.stderr.includes('namespaces "doomed" not found'),
    );
  });
});
