import type { Condition } from "@sluice/api";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { deleteCondition, markReconciling, markTrue } from "../src/conditions/index.js";
import { type ApiObject, KubeClient } from "../src/kube/index.js";
import { StatusPatcher } from "../src/status/index.js";
import { startTestCluster, type TestCluster, uniqueSuffix } from "./support/test-cluster.js";
import { ensureWidgetCrd, WIDGET_API_VERSION } from "./support/test-crd.js";

interface Widget extends ApiObject {
  spec: { size: number };
  status?: { observedGeneration?: number; conditions?: Condition[]; note?: string };
}

describe("StatusPatcher against an API server", () => {
  let cluster: TestCluster;
  let client: KubeClient;
  const ns = `status-patcher-${uniqueSuffix()}`;

  beforeAll(async () => {
    cluster = await startTestCluster();
    client = KubeClient.fromKubeConfig(cluster.kubeConfig);
    await ensureWidgetCrd(client);
    await client.create({ apiVersion: "v1", kind: "Namespace", metadata: { name: ns } });
  }, 60_000);

  afterAll(async () => {
    await client?.delete({ apiVersion: "v1", kind: "Namespace", name: ns }).catch(() => undefined);
    await cluster?.stop();
  });

  it("round-trips finalizers, status fields, conditions and observedGeneration", async () => {
    const ref = { apiVersion: WIDGET_API_VERSION, kind: "Widget", namespace: ns, name: "w" };
    const obj = await client.create<Widget>({
      apiVersion: WIDGET_API_VERSION,
      kind: "Widget",
      metadata: { name: "w", namespace: ns },
      spec: { size: 1 },
    });
    const patcher = new StatusPatcher(client, obj, { fieldManager: "sluice-test" });
    obj.metadata.finalizers = ["finalizers.fluxcd.io"];
    markReconciling(obj, "Progressing", "working");
    obj.status = { ...obj.status, note: "hello" };
    await patcher.patch(obj);

    markTrue(obj, "Ready", "Succeeded", "done");
    deleteCondition(obj, "Reconciling");
    await patcher.patch(obj, { observedGeneration: true });

    const read = await client.get<Widget>(ref);
    expect(read.metadata.finalizers).toEqual(["finalizers.fluxcd.io"]);
    expect(read.status?.note).toBe("hello");
    expect(read.status?.observedGeneration).toBe(read.metadata.generation);
    expect(read.status?.conditions?.map((c) => [c.type, c.status])).toEqual([["Ready", "True"]]);

    obj.metadata.finalizers = [];
    await patcher.patch(obj);
    await client.delete(ref);
    expect(await client.getOptional(ref)).toBeUndefined();
  });
});
