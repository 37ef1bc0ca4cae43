import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EventRecorder } from "../src/events/index.js";
import { KubeClient, type UnstructuredObject } from "../src/kube/index.js";
import { startTestCluster, type TestCluster, uniqueSuffix } from "./support/test-cluster.js";

describe("EventRecorder against an API server", () => {
  let cluster: TestCluster;
  let client: KubeClient;
  const name = `events-it-${uniqueSuffix()}`;

  beforeAll(async () => {
    cluster = await startTestCluster();
    client = KubeClient.fromKubeConfig(cluster.kubeConfig);
  });

  afterAll(async () => {
    await client?.delete({ apiVersion: "v1", kind: "ConfigMap", namespace: "default", name }).catch(() => {});
    await cluster?.stop();
  });

  it("writes a Kubernetes Event and counts a repeat on it", async () => {
    const configMap = await client.create<UnstructuredObject>({
      apiVersion: "v1",
      kind: "ConfigMap",
      metadata: { name, namespace: "default", annotations: { "event.toolkit.fluxcd.io/owner": "team-a" } },
      data: { a: "b" },
    });
    const recorder = new EventRecorder({
      reportingController: "kustomize-controller",
      group: "kustomize.toolkit.fluxcd.io",
      client,
      reportingInstance: "kc-it",
    });
    expect((await recorder.error(configMap, "HealthCheckFailed", "not ready", { revision: "r1" })).kubeEvent).toBe(
      "created",
    );
    expect((await recorder.error(configMap, "HealthCheckFailed", "not ready", { revision: "r1" })).kubeEvent).toBe(
      "updated",
    );
    const events = await client.list("v1", "Event", {
      namespace: "default",
      fieldSelector: `involvedObject.name=${name}`,
    });
    expect(events.items).toHaveLength(1);
    expect(events.items[0]).toMatchObject({
      type: "Warning",
      reason: "HealthCheckFailed",
      message: "not ready",
      count: 2,
      involvedObject: { kind: "ConfigMap", name, namespace: "default", uid: configMap.metadata.uid },
      source: { component: "kustomize-controller" },
      metadata: {
        annotations: {
          "kustomize.toolkit.fluxcd.io/revision": "r1",
          "event.toolkit.fluxcd.io/owner": "team-a",
        },
      },
    });
  });
});
