import {
  CoreV1Api,
  KubeConfig,
  type KubernetesObject,
  ListWatch,
  PatchStrategy,
  setHeaderOptions,
  type V1ConfigMap,
  type V1ConfigMapList,
  Watch,
} from "@kubernetes/client-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestCluster, type TestCluster } from "./helpers/cluster.js";

async function until(pred: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!pred()) {
    if (Date.now() > deadline) throw new Error("timed out");
    await new Promise((r) => setTimeout(r, 25));
  }
}

describe("@kubernetes/client-node informers", () => {
  let c: TestCluster;
  let kc: KubeConfig;
  let api: CoreV1Api;
  beforeAll(async () => {
    // Short watches and a tiny history force watch restarts and 410 Expired relists.
    c = await startTestCluster({ watchTimeoutSeconds: 1, watchHistory: 4 });
    kc = new KubeConfig();
    kc.loadFromFile(c.kubeconfigPath);
    api = kc.makeApiClient(CoreV1Api);
    await api.createNamespace({ body: { metadata: { name: "inf" } } });
  });
  afterAll(async () => {
    await c.stop();
  });

  it("lists, then follows adds, updates and deletes across watch restarts", async () => {
    await api.createNamespacedConfigMap({ namespace: "inf", body: { metadata: { name: "before" }, data: { v: "0" } } });
    let lists = 0;
    const informer = new ListWatch<V1ConfigMap>(
      "/api/v1/namespaces/inf/configmaps",
      new Watch(kc),
      async (): Promise<V1ConfigMapList> => {
        lists++;
        return api.listNamespacedConfigMap({ namespace: "inf" });
      },
      false,
    );
    const seen: string[] = [];
    informer.on("add", (o: KubernetesObject) => seen.push(`add:${o.metadata?.name}`));
    informer.on("update", (o: KubernetesObject) => seen.push(`update:${o.metadata?.name}`));
    informer.on("delete", (o: KubernetesObject) => seen.push(`delete:${o.metadata?.name}`));
    await informer.start();
    try {
      // kube-root-ca.crt is in every namespace, as on a cluster.
      expect(seen).toEqual(["add:before", "add:kube-root-ca.crt"]);
      await api.createNamespacedConfigMap({ namespace: "inf", body: { metadata: { name: "a" }, data: { v: "1" } } });
      await until(() => seen.includes("add:a"));
      // Outlive several server-side watch timeouts (1–2 s each) while writing.
      for (let i = 0; i < 4; i++) {
        await new Promise((r) => setTimeout(r, 900));
        await api.patchNamespacedConfigMap(
          { namespace: "inf", name: "a", body: { data: { v: `p${i}` } } },
          setHeaderOptions("Content-Type", PatchStrategy.MergePatch),
        );
      }
      await until(() => informer.get("a", "inf")?.data?.["v"] === "p3");
      await api.deleteNamespacedConfigMap({ namespace: "inf", name: "before" });
      await until(() => seen.includes("delete:before"));
      expect(
        informer
          .list("inf")
          .map((o) => o.metadata?.name)
          .sort(),
      ).toEqual(["a", "kube-root-ca.crt"]);
      expect(seen.filter((s) => s.startsWith("update:a")).length).toBeGreaterThanOrEqual(4);
      expect(lists).toBe(1);
    } finally {
      await informer.stop();
    }
  });

  it("relists after 410 Expired when its resourceVersion fell out of the watch history", async () => {
    let lists = 0;
    const informer = new ListWatch<V1ConfigMap>(
      "/api/v1/namespaces/inf/configmaps",
      new Watch(kc),
      async (): Promise<V1ConfigMapList> => {
        lists++;
        return api.listNamespacedConfigMap({ namespace: "inf", labelSelector: "watched=yes" });
      },
      false,
      "watched=yes",
    );
    await informer.start();
    try {
      expect(lists).toBe(1);
      // Writes the informer does not see (label selector) push its resourceVersion out of the 4-event history.
      for (let i = 0; i < 8; i++) {
        await api.createNamespacedConfigMap({ namespace: "inf", body: { metadata: { name: `noise-${i}` } } });
      }
      await until(() => lists >= 2, 8000);
      await api.createNamespacedConfigMap({
        namespace: "inf",
        body: { metadata: { name: "seen", labels: { watched: "yes" } } },
      });
      await until(() => informer.get("seen", "inf") !== undefined);
      expect(informer.list("inf").map((o) => o.metadata?.name)).toEqual(["seen"]);
    } finally {
      await informer.stop();
    }
  });
});
